"""Data sets the project makes itself: the embedded synthetic VOC-format set with controlled
spurious correlation and its candidate-OoD pool (synthetic, drawn by draw), the simulated
reviewer that reads the pool's ground-truth sidecar (simulated_reviewer), and the full-size
VOC-format mock of the paper setting's dry run (voc_mock).
"""
