"""Step 9 keeps the random walk's scores: a rerun with only --sem_seg_bg_thres changed re-thresholds
them without walking, giving the masks a full walk at that threshold gives; step 10 sweeps the
threshold from them, its GT-chosen best labelled as such."""
import json
import os
import shutil

import numpy as np
import pytest
import torch

from step.s09_make_sem_seg import mask_from_walk, masks_at_thresholds


def pngs(folder):
    return {f: open(os.path.join(folder, f), "rb").read() for f in sorted(os.listdir(folder)) if f.endswith(".png")}


def test_the_sweep_masks_equal_one_threshold_at_a_time():
    g = torch.Generator().manual_seed(0)
    walked, keys, size = torch.rand(2, 5, 6, generator=g), np.array([3, 7]), (18, 21)
    by_t = masks_at_thresholds(walked, keys, size, [0.1, 0.4, 0.8])
    for t, mask in by_t.items():
        np.testing.assert_array_equal(mask, mask_from_walk(walked, keys, size, t))
    assert set(np.unique(by_t[0.8])) <= {0, 4, 8} and (by_t[0.8] == 0).sum() > (by_t[0.1] == 0).sum()


@pytest.mark.slow
def new_log_lines(run):
    """What the run appends to result/smoke/log.txt (run_sample's log file)."""
    before = os.path.getsize("result/smoke/log.txt")
    run()
    with open("result/smoke/log.txt") as f:
        f.seek(before)
        return f.read()


def test_only_the_threshold_changed_skips_the_walk_and_gives_the_walks_masks(smoke_copy, tmp_path):
    from run_sample import main
    from tests.conftest import TINY

    walked_copy = tmp_path / "full_walk"
    shutil.copytree(smoke_copy, walked_copy, symlinks=True)
    rows = ["--cam_models", "wood"]
    log = new_log_lines(lambda: main(TINY + rows + ["--steps", "9-10", "--sem_seg_bg_thres", "0.4"]))
    assert "wood: 0 images walked, 48 re-thresholded from" in log
    rethresholded = pngs("result/smoke/wood/sem_seg")
    evaluation = json.load(open("result/smoke/wood/mask_eval.json"))
    os.chdir(walked_copy)
    log = new_log_lines(lambda: main(TINY + rows + ["--steps", "9", "--sem_seg_bg_thres", "0.4", "--overwrite",
                                                    "make_sem_seg"]))
    assert "wood: 48 images walked, 0 re-thresholded" in log
    assert len(rethresholded) == 48 and pngs("result/smoke/wood/sem_seg") == rethresholded
    # step 10's sweep holds 0.40 with the mIoU of the masks made at 0.40; its best is GT-chosen
    at = next(e for e in evaluation["sweep"] if e["threshold"] == 0.4)
    assert np.isclose(at["miou"], evaluation["miou"])
    assert evaluation["best_by_gt"]["note"] == "--sem_seg_bg_thres chosen with ground truth"
    assert evaluation["best_by_gt"]["miou"] == max(e["miou"] for e in evaluation["sweep"])
