"""Atomic writes (temp file in the same folder, fsync, then os.replace) and small readers.

Every file a step writes goes through here, so a killed run never leaves a half-written
output that a rerun would mistake for finished work. Written files get the mode an ordinary
open(path, "w") would give (0666 & ~umask), not mkstemp's private 0600. Text and JSON outputs
whose content is unchanged are not rewritten, so an identical rerun leaves their times alone.
"""
import json
import logging
import os
import pickle
import tempfile
from contextlib import contextmanager

import numpy as np
from PIL import Image

from misc.chain.errors import BadInput, MissingInput

TMP_SUFFIX = ".tmp"


def _current_umask():
    mask = os.umask(0)  # the only portable way to read it; restored at once
    os.umask(mask)
    return mask


def _sync(path):
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


@contextmanager
def _atomic_path(path, sync=True):
    """Yield a temp path beside `path`; move it onto `path` only if the block succeeds.
    sync=False skips the fsync: still atomic against a kill, for caches of many small files."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=TMP_SUFFIX)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_current_umask())
        if sync:
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


def remove_leftovers(folder, recursive=False, prefix="."):
    """Delete the temp files a killed write left in `folder` (names `.<file>.<random>.tmp`;
    `prefix=".<file>."` for one file's only); returns how many."""
    if not os.path.isdir(folder):
        return 0
    count = 0
    for root, _, names in os.walk(folder) if recursive else [(folder, None, os.listdir(folder))]:
        for name in names:
            if name.startswith(prefix) and name.endswith(TMP_SUFFIX):
                os.remove(os.path.join(root, name))
                count += 1
    return count


def save_npy(path, obj):
    """np.save an array or a dict (pickled, as IRN's CAM files) atomically."""
    with _atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.save(f, obj, allow_pickle=True)


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays, dtypes and plain containers only (the idea of torch's weights_only):
    a crafted .npy whose pickle names any other callable is refused, so no code runs."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
               ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not an array type; refused")


def load_npy(path, what="array file"):
    """np.load of a .npy written by save_npy (an array, or a dict of arrays as IRN's CAM files)
    without running code: object arrays go through an unpickler that admits arrays only. The
    error names the file. Returns the dict for a 0-d object array, else the array."""
    if not os.path.isfile(path):
        raise MissingInput(f"{what} not found: {path}")
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
            if version not in readers:
                raise BadInput(f"unsupported .npy version {version}")
            shape, fortran, dtype = readers[version](f)
            if not dtype.hasobject:
                return np.load(path, allow_pickle=False)
            array = _ArraysOnlyUnpickler(f).load()
    except (pickle.UnpicklingError, ValueError, EOFError, OSError) as err:
        raise BadInput(f"cannot read {what} {path}: {err} (truncated, not written by this project, or it holds "
                       f"objects other than arrays)") from err
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise BadInput(f"cannot read {what} {path}: not a numpy array of shape {shape}")
    return array.item() if array.shape == () else array


PNG_END = b"IEND\xaeB`\x82"  # the last chunk of every PNG: type IEND, no data, its CRC


def looks_whole(path):
    """A cheap check that a per-image output is complete, reading only its header and its last
    bytes: a PNG ends with its IEND chunk; a .npy of plain numbers is header + shape x itemsize
    bytes; a pickled .npy (IRN's CAM dict) ends with pickle's BUILD and STOP opcodes. Atomic writes make a
    half-written file impossible from a kill; this catches one damaged afterwards (a full disk,
    a copy cut short)."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            if path.endswith(".png"):
                f.seek(max(0, size - len(PNG_END)))
                return f.read() == PNG_END
            if path.endswith(".npy"):
                version = np.lib.format.read_magic(f)
                readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
                shape, _, dtype = readers[version](f)
                if dtype.hasobject:  # a pickled ndarray ends with BUILD (its state), then STOP
                    f.seek(size - 2)
                    return f.read(2) == pickle.BUILD + pickle.STOP
                return size == f.tell() + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    except (OSError, ValueError, KeyError):
        return False
    return size > 0


def load_cam_dict(path):
    """Read an IRN-format CAM file: {"keys": (K,), "cam": (K,h,w), "high_res": (K,H,W) float32}."""
    if not os.path.isfile(path):
        raise MissingInput(f"CAM file not found: {path} (run step 5, make_cam, first)")
    try:
        cam = load_npy(path, "CAM file")
    except BadInput as err:
        raise BadInput(f"{err.message()}; if step 5 made it, rerun step 5 (make_cam): it remakes damaged files "
                       f"(--overwrite make_cam remakes every CAM)") from None
    if not isinstance(cam, dict) or not {"keys", "cam", "high_res"} <= set(cam):
        raise BadInput(f"CAM file {path} is not in IRN's format (a dict with keys, cam, high_res)")
    cam["high_res"] = np.asarray(cam["high_res"], np.float32)  # --cam_high_res_dtype float16 on disk
    return cam


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
        raise MissingInput(f"{what} file not found: {path}")
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def read_ids(path, what="id list", empty_hint=""):
    """The ids of a list file, in order: an empty list is an error, a duplicate id is dropped
    with a warning (counting it twice would weight it twice); errors name the file."""
    lines = read_lines(path, what)
    if not lines:
        raise BadInput(f"{what} {path} is empty: no image id in it{empty_hint}")
    ids = list(dict.fromkeys(lines))
    if len(ids) < len(lines):
        repeated = sorted({i for i in lines if lines.count(i) > 1})
        logging.getLogger(__name__).warning("%s %s lists %d ids more than once (kept once each): %s", what, path,
                                            len(lines) - len(ids), repeated[:5])
    return ids


def save_torch(path, obj):
    import torch

    with _atomic_path(path) as tmp:
        with open(tmp, "wb") as f:  # a file object: torch names the archive "archive", not after the temp file
            torch.save(obj, f)


def save_image(path, image, quality=95, sync=True):
    """Save an HxWx3 uint8 RGB array or a PIL image (JPEG or PNG by extension)."""
    with _atomic_path(path, sync) as tmp:
        fmt = "JPEG" if path.lower().endswith((".jpg", ".jpeg")) else "PNG"
        kwargs = {"quality": quality} if fmt == "JPEG" else {}
        (image if isinstance(image, Image.Image) else Image.fromarray(image)).save(tmp, format=fmt, **kwargs)


def save_label_png(path, label, palette):
    """Save an HxW uint8 label map as a palette PNG (0 bg, 1..C classes, 255 ignore)."""
    with _atomic_path(path) as tmp:
        img = Image.fromarray(label.astype(np.uint8), mode="P")
        img.putpalette(palette)
        img.save(tmp, format="PNG")


def load_label_png(path):
    """Read a palette (or grey) label PNG as HxW uint8 class indices; the error names the file."""
    if not os.path.isfile(path):
        raise MissingInput(f"label mask not found: {path}")
    try:
        with Image.open(path) as img:
            mode, label = img.mode, np.asarray(img)
    except Exception as err:  # PIL raises several types for broken files
        raise BadInput(f"cannot read label mask {path}: {err}") from err
    if label.ndim != 2:
        raise BadInput(f"label mask {path} is a {mode} image: expected a palette or grey PNG of class indices "
                       f"(0 background, 1..C classes, 255 ignore), as VOC's SegmentationClass")
    return label
