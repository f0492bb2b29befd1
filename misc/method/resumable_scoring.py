"""Candidate scoring that survives a kill (step 2, Sec. 3.1, at the paper's pool size).

Scoring an OpenImages pool of hundreds of thousands of candidates takes hours, so the score rows
go to disk in chunks as they are made: a folder `<scores>.partial/` holding made_from.json (the
stamp: F_in, candidate list, pool, --ood_score_size) and chunk_<first>.npy files, each the rows
of consecutive batches with the ids they belong to. A rerun with the same stamp keeps the chunks
and scores only the rest; another stamp deletes them first (the folder rule of misc/chain/rerun.py).
Chunks start on batch boundaries, so a resumed run feeds the device the same batches as an
uninterrupted one and gives the same numbers. The caller removes the folder (`discard`) once
the complete scores are saved.
"""
import logging
import os
import re
import shutil

import numpy as np

from misc import io_utils
from misc.chain import rerun
from misc.method.scoring import forward_batches

log = logging.getLogger(__name__)
CHUNK_IMAGES = 2048  # candidates per chunk: a kill loses at most this much work
_CHUNK = re.compile(r"chunk_(\d+)\.npy$")


def partial_dir(scores_path):
    return scores_path + ".partial"


def _chunk_path(folder, start):
    return os.path.join(folder, f"chunk_{start:09d}.npy")


def _valid(chunk, ids, start):
    """A chunk covers ids[start:stop] exactly: its scored rows and unreadable ids, in order."""
    stop = chunk.get("stop", -1)
    covered = set(chunk.get("ids", [])) | set(chunk.get("unreadable", {}))
    return (chunk.get("start") == start and start < stop <= len(ids) and covered == set(ids[start:stop])
            and len(chunk["ids"]) == len(chunk["scores"]))


def load_chunks(folder, ids):
    """The chunks that cover ids[0:done] without a gap, as (done, [chunk dicts]); a chunk that
    does not fit (unreadable, or for other ids) is deleted with every chunk after it."""
    starts = sorted(int(m.group(1)) for m in map(_CHUNK.match, os.listdir(folder)) if m)
    done, chunks = 0, []
    for start in starts:
        path = _chunk_path(folder, start)
        try:
            chunk = io_utils.load_npy(path, "partial scores")
        except ValueError as err:
            chunk = {"error": str(err)}
        if not (isinstance(chunk, dict) and _valid(chunk, ids, done)):
            stale = [s for s in starts if s >= start]
            log.warning("%s does not continue the scores before it: deleting it and %d later chunks",
                        path, len(stale) - 1)
            for s in stale:
                os.remove(_chunk_path(folder, s))
            break
        chunks.append(chunk)
        done = chunk["stop"]
    return done, chunks


def score_resumably(net, ids, image_dir, device, batch_size, size, folder, stamp, overwrite=False,
                    desc="scoring", num_workers=0, chunk_batches=None):
    """score_images with its rows saved to `folder` every `chunk_batches` batches (default:
    about CHUNK_IMAGES candidates) and resumed from there when `stamp` (a made-from record) is
    the one they were made with. Returns (probs (M, C), scored ids, {id: error})."""
    chunk_batches = chunk_batches or max(1, CHUNK_IMAGES // batch_size)
    rerun.must_remake(folder, stamp, overwrite, ".npy")  # deletes chunks made from anything else
    done, chunks = load_chunks(folder, ids)
    if done:
        log.info("%s: resuming, %d of %d candidates already scored in %s", desc, done, len(ids), folder)
    pending = {"start": done, "ids": [], "scores": [], "unreadable": {}}

    def save_pending(stop):
        chunk = {"start": pending["start"], "stop": stop, "ids": pending["ids"],
                 "scores": np.concatenate(pending["scores"]) if pending["scores"] else
                 np.zeros((0, net.classifier.out_channels), np.float32), "unreadable": pending["unreadable"]}
        io_utils.save_npy(_chunk_path(folder, chunk["start"]), chunk)
        chunks.append(chunk)
        pending.update(start=stop, ids=[], scores=[], unreadable={})

    position, batches = done, 0
    for batch_ids, probs, _, bad in forward_batches(net, ids[done:], image_dir, device, batch_size, size, desc,
                                                    num_workers):
        pending["ids"] += batch_ids
        pending["unreadable"].update(bad)
        if probs is not None:
            pending["scores"].append(probs)
        position, batches = position + len(batch_ids) + len(bad), batches + 1
        if batches % chunk_batches == 0:
            save_pending(position)
    if position > pending["start"]:
        save_pending(position)
    scored = [i for c in chunks for i in c["ids"]]
    unreadable = {i: e for c in chunks for i, e in c["unreadable"].items()}
    rows = [c["scores"] for c in chunks if len(c["scores"])]
    probs = np.concatenate(rows) if rows else np.zeros((0, net.classifier.out_channels), np.float32)
    return probs.astype(np.float32, copy=False), scored, unreadable


def discard(folder):
    """Remove the partial scores once the complete ones are saved."""
    shutil.rmtree(folder, ignore_errors=True)
