"""Class names (the ignore label and the palette live in misc/images.py)."""
from misc.images import IGNORE_LABEL, voc_palette  # noqa: F401  (re-exported for voc12 users)

VOC_CLASSES = (
    "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
    "train", "tvmonitor",
)
