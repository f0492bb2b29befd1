"""Atomic writes (temp file in the same folder, fsync, then os.replace) and small readers.

Every file a step writes goes through here, so a killed run never leaves a half-written
output that a rerun would mistake for finished work. Written files get the mode an ordinary
open(path, "w") would give (0666 & ~umask), not mkstemp's private 0600. Text and JSON outputs
whose content is unchanged are not rewritten, so an identical rerun leaves their times alone.
"""
import json
import os
import tempfile
from contextlib import contextmanager

import numpy as np
from PIL import Image


TMP_SUFFIX = ".tmp"


def _current_umask():
    mask = os.umask(0)  # the only portable way to read it; restored at once
    os.umask(mask)
    return mask


def _sync(path):
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


@contextmanager
def _atomic_path(path):
    """Yield a temp path beside `path`; move it onto `path` only if the block succeeds."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=TMP_SUFFIX)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_current_umask())
        _sync(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _unchanged(path, data):
    """True when `path` already holds exactly `data` (bytes)."""
    if not os.path.isfile(path) or os.path.getsize(path) != len(data):
        return False
    with open(path, "rb") as f:
        return f.read() == data


def remove_leftovers(folder):
    """Delete the temp files a killed write left in `folder` (names `.<file>.<random>.tmp`)."""
    if not os.path.isdir(folder):
        return 0
    stale = [n for n in os.listdir(folder) if n.startswith(".") and n.endswith(TMP_SUFFIX)]
    for name in stale:
        os.remove(os.path.join(folder, name))
    return len(stale)


def save_npy(path, obj):
    """np.save an array or a dict (pickled, as IRN's CAM files) atomically."""
    with _atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, obj, allow_pickle=True)


def load_cam_dict(path):
    """Read an IRN-format CAM file: {"keys": (K,), "cam": (K,h,w), "high_res": (K,H,W)}."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"CAM file not found: {path} (run step 5, make_cam, first)")
    return np.load(path, allow_pickle=True).item()


def save_json(path, obj):
    save_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def save_text(path, text):
    data = text.encode()
    if _unchanged(path, data):
        return
    with _atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


def save_lines(path, lines):
    save_text(path, "".join(f"{line}\n" for line in lines))


def read_lines(path, what="list"):
    """Non-empty stripped lines of a text file; the error names the file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} file not found: {path}")
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def save_torch(path, obj):
    import torch

    with _atomic_path(path) as tmp:
        with open(tmp, "wb") as f:  # a file object: torch names the archive "archive", not after the temp file
            torch.save(obj, f)


def save_image(path, array):
    """Save an HxWx3 uint8 RGB array (JPEG or PNG by extension)."""
    with _atomic_path(path) as tmp:
        fmt = "JPEG" if path.lower().endswith((".jpg", ".jpeg")) else "PNG"
        kwargs = {"quality": 95} if fmt == "JPEG" else {}
        Image.fromarray(array).save(tmp, format=fmt, **kwargs)


def save_label_png(path, label, palette):
    """Save an HxW uint8 label map as a palette PNG (0 bg, 1..C classes, 255 ignore)."""
    with _atomic_path(path) as tmp:
        img = Image.fromarray(label.astype(np.uint8), mode="P")
        img.putpalette(palette)
        img.save(tmp, format="PNG")


def load_label_png(path):
    """Read a palette (or grey) label PNG as HxW uint8 class indices; the error names the file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"label mask not found: {path}")
    try:
        return np.asarray(Image.open(path))
    except Exception as err:  # PIL raises several types for broken files
        raise ValueError(f"cannot read label mask {path}: {err}") from err
