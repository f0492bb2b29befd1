"""What a person reads: plain-text tables (tables), picture tiles and colourings (visualize) and
matplotlib figures of a run (plots: Fig. 6, Fig. 7, threshold sweeps).
"""
