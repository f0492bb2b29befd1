"""The whole chain on a tiny synthetic set, as a user runs it."""
import json
import os

import numpy as np

from run_sample import main

TINY = ["--preset", "smoke", "--syn_n_train", "48", "--syn_n_val", "16", "--syn_n_probe_per_class", "2",
        "--syn_n_ood_hard", "8", "--syn_n_ood_easy", "8", "--syn_n_ood_positive", "4", "--pretrain_num_images", "128"]


def test_smoke_chain_end_to_end_and_rerun_skips(in_tmp_dir):
    main(TINY)
    result = json.load(open("result/smoke/baseline/seed_eval.json"))
    for key in ("miou", "precision", "recall", "f1"):
        assert 0.0 <= result["fixed"][key] <= 1.0
    assert len(result["fixed"]["per_class"]["iou"]) == 7
    assert result["best_by_gt"]["note"] == "threshold chosen with ground truth"
    assert len(os.listdir("result/smoke/baseline/cam")) == 48
    cam = np.load("result/smoke/baseline/cam/train_00000.npy", allow_pickle=True).item()
    assert cam["high_res"].shape[1:] == (64, 64)
    checkpoint_time = os.path.getmtime("sess/smoke/cam_baseline.pth")
    main(TINY)  # a rerun skips finished work
    assert os.path.getmtime("sess/smoke/cam_baseline.pth") == checkpoint_time
    assert json.load(open("result/smoke/baseline/seed_eval.json"))["fixed"] == result["fixed"]
    assert os.path.isfile("result/smoke/config.json")
