"""Images and label maps as every layer reads them: RGB loading, the ignore label, the VOC palette.

Below both misc/ and voc12/ (each imports from here; this imports neither).
"""
import os

import numpy as np
from PIL import Image

from misc.chain.errors import BadInput, MissingInput

IGNORE_LABEL = 255


def voc_palette(num_entries=256):
    """The VOC colour map as a flat [r, g, b, ...] list of 3*256 ints (index 255 = ignore)."""
    palette = np.zeros((num_entries, 3), dtype=np.uint8)
    for index in range(num_entries):
        c, r, g, b = index, 0, 0, 0
        for shift in range(8):
            r |= ((c >> 0) & 1) << (7 - shift)
            g |= ((c >> 1) & 1) << (7 - shift)
            b |= ((c >> 2) & 1) << (7 - shift)
            c >>= 3
        palette[index] = (r, g, b)
    return palette.reshape(-1).tolist()


IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
MASK_FOLDERS = ("SegmentationClassAug", "SegmentationClass")  # the first that holds an id's mask wins


def mask_file(voc_root, image_id):
    """<voc_root>/SegmentationClassAug/<id>.png (covers train_aug), else SegmentationClass/, else None."""
    for folder in MASK_FOLDERS:
        path = os.path.join(voc_root, folder, image_id + ".png")
        if os.path.isfile(path):
            return path
    return None


def find_mask_path(voc_root, image_id):
    """mask_file, or an error naming both folders."""
    path = mask_file(voc_root, image_id)
    if path:
        return path
    raise MissingInput(
        f"segmentation mask for id '{image_id}' not found in "
        f"{os.path.join(voc_root, 'SegmentationClassAug')} or {os.path.join(voc_root, 'SegmentationClass')}")


def image_path(image_dir, image_id):
    """<image_dir>/<id>.jpg, or <image_dir>/<id> when the id names a file with its extension (the
    release's ood_list.txt; a subfolder in the id is kept)."""
    if image_id.lower().endswith(IMAGE_EXTENSIONS):
        return os.path.join(image_dir, image_id)
    return os.path.join(image_dir, image_id + ".jpg")


def load_rgb(image_dir, image_id):
    """The image of an id as an HxWx3 uint8 array (grey and RGBA converted, as the release's
    loader expands grey images); the error names the file."""
    path = image_path(image_dir, image_id)
    if not os.path.isfile(path):
        raise MissingInput(f"image for id '{image_id}' not found: {path}")
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except Exception as err:  # PIL raises several types for broken files
        raise BadInput(f"cannot read image {path}: {err}") from err
