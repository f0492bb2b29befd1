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


def load_rgb(image_dir, image_id):
    """<image_dir>/<id>.jpg as an HxWx3 uint8 array; the error names the file."""
    path = os.path.join(image_dir, image_id + ".jpg")
    if not os.path.isfile(path):
        raise MissingInput(f"image for id '{image_id}' not found: {path}")
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except Exception as err:  # PIL raises several types for broken files
        raise BadInput(f"cannot read image {path}: {err}") from err
