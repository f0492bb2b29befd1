"""From CAMs to seeds and pseudo-masks: AdvCAM's anti-adversarial climbing (advcam), the dense CRF
configured as IRN's (crf), and IRN's path index, affinities and random walk (path_index).
"""
