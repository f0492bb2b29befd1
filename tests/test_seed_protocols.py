"""Step 6's seed protocols on one image worked out by hand: the fixed threshold, the full sweep's
GT-chosen best and the release's (best of 0.08-0.14, its run_sample.py)."""
import os

import numpy as np

from misc.images import voc_palette
from misc.io_utils import save_label_png, save_npy
from step.s06_eval_cam import best_of, evaluate_seeds, sweep_thresholds


def test_the_release_range_finds_a_threshold_the_coarse_sweep_steps_over(tmp_path):
    # One class, five pixels with CAM 0.095, 0.105, 0.115, 0.125, 0.5; the ground truth holds the
    # last three. A pixel is the class when its CAM > t, so t = 0.11 is exact (mIoU 1).
    # t = 0.10 adds the 0.105 pixel: class IoU 3/4, background IoU 1/2 -> mIoU 0.625.
    # t = 0.15 keeps only 0.5: class IoU 1/3, background IoU 2/4 -> mIoU 0.4167.
    cams = np.array([[[0.095, 0.105, 0.115, 0.125, 0.5]]], np.float32)
    gt = np.array([[0, 0, 1, 1, 1]], np.uint8)
    os.makedirs(tmp_path / "cam")
    save_npy(str(tmp_path / "cam" / "a.npy"), {"keys": np.array([0]), "cam": cams, "high_res": cams})
    save_label_png(str(tmp_path / "voc" / "SegmentationClass" / "a.png"), gt, voc_palette())
    coarse, release = sweep_thresholds(0.05, 0.95, 0.05), sweep_thresholds(0.08, 0.14, 0.01)
    assert release == [0.08, 0.09, 0.1, 0.11, 0.12, 0.13, 0.14]
    by_thres = evaluate_seeds(["a"], str(tmp_path / "cam"), str(tmp_path / "voc"), 2, sorted(set(coarse + release)))
    assert best_of(by_thres, coarse) == 0.1
    assert np.isclose(by_thres[0.1]["miou"], 0.625) and np.isclose(by_thres[0.15]["miou"], (1 / 3 + 2 / 4) / 2)
    assert best_of(by_thres, release) == 0.11 and np.isclose(by_thres[0.11]["miou"], 1.0)


def test_ties_go_to_the_lowest_threshold_as_the_release_max():
    by_thres = {0.08: {"miou": 0.5}, 0.09: {"miou": 0.7}, 0.1: {"miou": 0.7}}
    assert best_of(by_thres, [0.08, 0.09, 0.1]) == 0.09
