"""The whole chain on a tiny synthetic set, as a user runs it."""
import json
import os

import numpy as np
from PIL import Image

from run_sample import main

# --ood_score_thres 0: a classifier trained for seconds may flag no candidate; this test checks the
# plumbing of every step (the mining rule itself is tested in test_ood_mining.py).
TINY = ["--preset", "smoke", "--syn_n_train", "48", "--syn_n_val", "16", "--syn_n_probe_per_class", "2",
        "--syn_n_ood_hard", "8", "--syn_n_ood_easy", "8", "--syn_n_ood_positive", "4", "--pretrain_num_images", "128",
        "--ood_score_thres", "0.0"]


def files(folder, extension):
    return sorted(f for f in os.listdir(folder) if f.endswith(extension))


def test_smoke_chain_end_to_end_and_rerun_skips(in_tmp_dir):
    main(TINY)
    for model in ("baseline", "wood"):
        result = json.load(open(f"result/smoke/{model}/seed_eval.json"))
        for key in ("miou", "precision", "recall", "f1"):
            assert 0.0 <= result["fixed"][key] <= 1.0
        assert len(result["fixed"]["per_class"]["iou"]) == 7
        assert result["best_by_gt"]["note"] == "threshold chosen with ground truth"
        assert len(files(f"result/smoke/{model}/cam", ".npy")) == 48
        assert len(files(f"result/smoke/{model}/ir_label", ".png")) == 48
        assert len(files(f"result/smoke/{model}/sem_seg", ".png")) == 48
        masks = json.load(open(f"result/smoke/{model}/mask_eval.json"))
        assert 0.0 <= masks["miou"] <= 1.0 and "crf" in result
    assert "Mask" in open("result/smoke/table2.txt").read()
    cam = np.load("result/smoke/baseline/cam/train_00000.npy", allow_pickle=True).item()
    assert cam["high_res"].shape[1:] == (64, 64)
    assert len(open("WOoD_dataset/smoke/ood_list.txt").read().split()) > 0
    mining = json.load(open("WOoD_dataset/smoke/mining_report.json"))
    assert mining["num_positive"] == 4  # the simulated reviewer removes every missed positive
    log = [json.loads(line) for line in open("result/smoke/wood/train_log.jsonl")]
    assert {"cls_in", "cls_ood", "pull", "push", "feature_norm"} <= set(log[-1])
    stamps = {p: os.path.getmtime(p) for p in ("sess/smoke/cam_baseline.pth", "sess/smoke/cam_wood.pth",
                                                "sess/smoke/irn_wood.pth", "result/smoke/wood/sem_seg/train_00000.png")}
    main(TINY)  # a rerun skips finished work
    assert {p: os.path.getmtime(p) for p in stamps} == stamps
    assert json.load(open("result/smoke/wood/seed_eval.json"))["fixed"] == result["fixed"]
    assert os.path.isfile("result/smoke/config.json") and os.path.isfile("result/smoke/seed_table.txt")
    for picture in ("compare.png", "threshold_sweep.png", "per_class_delta.png", "ood_clusters.png",
                    "feature_tsne.png"):
        Image.open(f"result/smoke/vis/{picture}").verify()
    report = open("result/smoke/report.md").read()
    for step in json.load(open("result/smoke/timings.json")):
        assert step in report
    assert "step.s04_train_wood" in report and "vis/compare.png" in report


def test_advcam_rows_on_a_subset(in_tmp_dir):
    """--cam_method cam,advcam adds <model>_advcam rows; --infer_num limits steps 5-10 to a subset."""
    main(TINY + ["--cam_method", "cam,advcam", "--adv_iter", "2", "--infer_num", "6", "--irn_batch_size", "3",
                 "--vis_pass", "false"])
    table = open("result/smoke/seed_table.txt").read()
    for model in ("baseline", "wood", "baseline_advcam", "wood_advcam"):
        assert model in table and model in open("result/smoke/table2.txt").read()
        assert len(files(f"result/smoke/{model}/sem_seg", ".png")) == 6
        assert json.load(open(f"result/smoke/{model}/seed_eval.json"))["num_images"] == 6
    assert files("result/smoke/wood_advcam/cam", ".npy") == files("result/smoke/wood/cam", ".npy")
    made_from = json.load(open("result/smoke/wood_advcam/cam/made_from.json"))
    assert made_from["method"] == "advcam" and made_from["adv_iter"] == 2
    timing = json.load(open("result/smoke/wood_advcam/seed_timing.json"))
    assert timing["method"] == "advcam" and timing["images"] == 6
    assert "| wood_advcam | advcam | 6 |" in open("result/smoke/report.md").read()
