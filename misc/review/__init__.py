"""The manual-pruning pages of step 2 (paper Sec. 3.1, "Manual pruning of positive samples").

Static HTML a reviewer opens from the file system (page), their script and style (script) and
the thumbnails beside them (thumbnails); the decisions file they export is read back by page.
"""
