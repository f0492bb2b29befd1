"""Step 2's candidate scoring killed with SIGKILL mid-way, then rerun: the same scores, ids and
unreadable list as an uninterrupted run, bit for bit; a changed stamp starts over (Sec. 3.1 at
the paper's pool size, misc/method/resumable_scoring.py)."""
import logging
import os
import signal
import subprocess
import sys

import numpy as np
from PIL import Image

from tests.conftest import ROOT

BATCH, CHUNK_BATCHES = 2, 2  # a chunk = 4 candidates


def score_pool(pool, folder, stamp):
    """(probs, scored ids, sorted unreadable ids) of `pool` by a tiny seeded net, resumably."""
    import torch

    from misc.method.resumable_scoring import score_resumably
    from net.cam_net import CAMNet
    from net.small_resnet import SmallResNet

    torch.manual_seed(0)
    net = CAMNet(SmallResNet(widths=(4, 4, 8, 8)), num_classes=3)
    ids = sorted(f[:-4] for f in os.listdir(pool))
    probs, scored, unreadable = score_resumably(net, ids, str(pool), "cpu", BATCH, None, str(folder), stamp,
                                                desc="score OoD candidates", chunk_batches=CHUNK_BATCHES)
    return probs, scored, sorted(unreadable)


def run_killed(pool, folder, stamp, kill_at):
    """score_pool in a subprocess that WOOD_KILL_AT kills (SIGKILL, as the OOM killer would)."""
    code = (f"from tests.test_resumable_scoring import score_pool; "
            f"score_pool({str(pool)!r}, {str(folder)!r}, {stamp!r})")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "WOOD_KILL_AT": kill_at},
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def chunks(folder):
    return sorted(f for f in os.listdir(folder) if f.startswith("chunk_"))


def test_sigkill_mid_scoring_then_rerun_equals_no_kill(tmp_path, caplog):
    pool = tmp_path / "JPEGImages"
    pool.mkdir()
    rng = np.random.default_rng(0)
    for i in range(13):
        Image.fromarray(rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)).save(pool / f"c{i:02d}.jpg")
    (pool / "c05.jpg").write_bytes(b"not a jpeg")  # unreadable: reported, in a chunk like the scores
    stamp = {"f_in": "abc", "candidates": "def", "ood_score_size": None}
    whole = score_pool(pool, tmp_path / "whole.partial", stamp)

    folder = tmp_path / "killed.partial"
    result = run_killed(pool, folder, stamp, "score OoD candidates:5")  # 5 of 7 batches done
    assert result.returncode == -signal.SIGKILL, result.stdout[-3000:]
    assert chunks(folder) == ["chunk_000000000.npy", "chunk_000000004.npy"]  # 8 candidates saved
    caplog.set_level(logging.INFO)
    probs, scored, unreadable = score_pool(pool, folder, stamp)
    assert "resuming, 8 of 13 candidates already scored" in caplog.text
    assert np.array_equal(probs, whole[0]) and probs.dtype == whole[0].dtype  # bit for bit
    assert (scored, unreadable) == whole[1:] and unreadable == ["c05"] and len(scored) == 12

    caplog.clear()
    again = score_pool(pool, folder, {**stamp, "f_in": "another F_in"})
    assert "resuming" not in caplog.text and "deleting its 4 .npy files" in caplog.text  # made from another F_in
    assert np.array_equal(again[0], whole[0])


def test_decoding_in_a_worker_gives_the_same_rows(tmp_path):
    """--num_workers decode the next batches in DataLoader workers (the voc preset's 4): same order, same numbers."""
    import torch

    from misc.method.scoring import score_images
    from net.cam_net import CAMNet
    from net.small_resnet import SmallResNet

    rng = np.random.default_rng(1)
    for i in range(5):
        Image.fromarray(rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)).save(tmp_path / f"c{i}.jpg")
    torch.manual_seed(0)
    net = CAMNet(SmallResNet(widths=(4, 4, 8, 8)), num_classes=3)
    ids = ["c3", "c0", "missing", "c4", "c1", "c2"]
    serial = score_images(net, ids, str(tmp_path), "cpu", batch_size=2)
    worker = score_images(net, ids, str(tmp_path), "cpu", batch_size=2, num_workers=1)
    assert np.array_equal(serial[0], worker[0]) and serial[1:] == worker[1:]
    assert serial[1] == ["c3", "c0", "c4", "c1", "c2"] and list(serial[2]) == ["missing"]
