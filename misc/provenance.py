"""What an output folder was made from, so a resumed step never mixes stale files with new ones.

Steps that skip finished images (5, 7, 9) write <out_dir>/made_from.json: the settings and input
fingerprints of the files in the folder. When a rerun's differ (a retrained classifier, another
seed method, other scales), the step remakes every image instead of resuming.
"""
import hashlib
import json
import logging
import os

from misc import io_utils

log = logging.getLogger(__name__)
STAMP = "made_from.json"


def file_sha1(path):
    """sha1 of a file's bytes (checkpoints: the fingerprint of the classifier that made a folder)."""
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_fingerprint(out_dir):
    """The stamp of a folder made by an earlier step ("" if none), for the next step's stamp."""
    path = os.path.join(out_dir, STAMP)
    return hashlib.sha1(open(path, "rb").read()).hexdigest() if os.path.isfile(path) else ""


def as_stored(made_from):
    """A made_from record as it reads back from JSON (tuples become lists), so records compare."""
    return json.loads(json.dumps(made_from))


def must_remake(out_dir, made_from, overwrite, extension):
    """True when every image must be (re)made: --overwrite, or the folder was made from other
    settings, whose `*<extension>` files are then deleted first (so a killed remake cannot leave
    stale files behind that a later resume would keep). Records `made_from` in the folder."""
    made_from = as_stored(made_from)
    path = os.path.join(out_dir, STAMP)
    old = json.load(open(path)) if os.path.isfile(path) else None
    changed = old is not None and old != made_from
    if changed:
        keys = sorted(k for k in set(old) | set(made_from) if old.get(k) != made_from.get(k))
        stale = [f for f in os.listdir(out_dir) if f.endswith(extension)]
        log.warning("%s was made from other settings (%s): deleting its %d %s files and remaking them",
                    out_dir, ", ".join(keys), len(stale), extension)
        for name in stale:
            os.remove(os.path.join(out_dir, name))
    io_utils.save_json(path, made_from)
    return overwrite or changed
