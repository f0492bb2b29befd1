"""Thumbnails of the review pages (Sec. 3.1, manual pruning): JPEG files in `thumbnails/`.

Ten thousand candidates inlined as base64 would make pages of hundreds of MB; as files beside
the pages the browser loads only the ones in view (loading="lazy"). A thumbnail is named after
its source file's path, size and time, so a rebuild reuses it while the source is unchanged and
makes a new one when it changed; thumbnails no candidate uses any more are deleted.
"""
import hashlib
import os
import re

from PIL import Image

from misc import io_utils
from misc.chain.errors import BadInput, MissingInput
from misc.images import image_path

FOLDER = "thumbnails"
MAX_SIDE = 160  # pixels; the page shows every thumbnail in a MAX_SIDE x MAX_SIDE box


def thumbnail_name(image_id, source):
    """<id>.<key>.jpg: the key changes when the source file does (path, size, mtime)."""
    stat = os.stat(source)
    key = hashlib.sha1(f"{os.path.abspath(source)}:{stat.st_size}:{stat.st_mtime_ns}:{MAX_SIDE}".encode())
    return f"{re.sub(r'[^A-Za-z0-9_-]', '_', image_id)}.{key.hexdigest()[:12]}.jpg"


def write_thumbnail(source, path):
    """A JPEG of `source` whose long side is at most MAX_SIDE; the error names the file."""
    try:
        with Image.open(source) as img:
            img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale, much faster
            img = img.convert("RGB")
            img.thumbnail((MAX_SIDE, MAX_SIDE))
    except Exception as err:  # PIL raises several types for broken files
        raise BadInput(f"cannot make a thumbnail of {source}: {err}") from err
    # A cache of ten thousand small files: atomic (a kill leaves no half JPEG), not fsynced.
    io_utils.save_image(path, img, quality=85, sync=False)


def make_thumbnails(out_dir, image_dir, image_ids):
    """{id: page-relative path} of a thumbnail per id (<image_dir>/<id>.jpg), made or reused."""
    folder = os.path.join(out_dir, FOLDER)
    os.makedirs(folder, exist_ok=True)
    io_utils.remove_leftovers(folder)
    existing = set(os.listdir(folder))
    names = {}
    for image_id in dict.fromkeys(image_ids):
        source = image_path(image_dir, image_id)
        if not os.path.isfile(source):
            raise MissingInput(f"image for candidate '{image_id}' not found: {source}")
        names[image_id] = thumbnail_name(image_id, source)
        if names[image_id] not in existing:
            write_thumbnail(source, os.path.join(folder, names[image_id]))
    for stale in existing - set(names.values()):
        if stale.endswith(".jpg"):
            os.remove(os.path.join(folder, stale))
    return {i: f"{FOLDER}/{n}" for i, n in names.items()}
