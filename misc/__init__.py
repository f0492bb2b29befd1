"""Everything below the steps, the networks and the data sets, by role.

At the top, IRN's generic helpers and what every layer shares: image transforms (imutils),
device, seeds and loaders (torchutils), atomic writes and small readers (io_utils), streaming
segmentation metrics (metrics), RGB and label-map basics (images). The rest is in sub-packages:
`chain/` the machinery that runs the step chain, `method/` the method of paper Sec. 3, `review/`
the manual-pruning pages, `seeds/` AdvCAM, the CRF and IRN's random walk, `report/` pictures and
tables. Nothing in misc/ imports step/, net/ or voc12/ (tests/test_import_direction.py).
"""
