"""The paper setting's plumbing on a tiny VOC-format mock: every step of `--preset voc` (ResNet-50
with random weights from a local file, SBD's lists, XML labels, manual review answered by a
decisions file, IRN on train_aug, W-OoD in the release's form), at small image and crop sizes so
it fits the suite. scripts/dry_run_voc.py runs the same at VOC's sizes (docs/paper_setting.md, dry run)."""
import json
import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from dry_run_voc import dry_run  # noqa: E402

from misc import io_utils  # noqa: E402
from misc.chain import layout  # noqa: E402

SMALL = ["--cam_crop_size", "64", "--cam_resize_long", "48,80", "--irn_crop_size", "64", "--irn_infer_pad", "96",
         "--cam_batch_size", "4", "--irn_batch_size", "8", "--ood_batch_size", "4", "--cam_scales", "1.0,0.5",
         "--ood_score_thres", "0.0", "--ood_feature_size", "96", "--crf_workers", "1", "--seg_crop_size", "64",
         "--seg_batch_size", "4", "--seg_infer_scales", "1.0", "--vis_pass", "false"]  # step 13: the smoke chain's


@pytest.mark.slow
def test_voc_preset_runs_every_step_on_a_mock(in_tmp_dir):
    args, text = dry_run("mock", "voc_tiny", epochs=1, extra=SMALL, n_seg_train=8, n_seg_val=3,
                         n_sbd_only=4, n_ood=8, classes_per_image=(2, 2), sizes=((72, 96), (96, 72), (80, 80)))
    # train_aug = SBD train + SBD val + VOC train - VOC val: 4 + 8 (SBD's VOC val image left out).
    train, infer = io_utils.read_ids(args.train_list), io_utils.read_ids(args.infer_list)
    assert len(train) == 12 and len(infer) == 8 and not set(io_utils.read_ids(args.val_list)) & set(train)
    for model in ("baseline", "wood"):
        # CAMs, IR labels and pseudo-masks for train_aug (IRN's and Table 3's training images, VOC
        # train among them); Table 3's network evaluated on the 3 val images.
        assert len(os.listdir(layout.cam_dir(args, model, ["baseline", "wood"]))) >= 12
        assert sum(f.endswith(".png") for f in os.listdir(layout.ir_label_dir(args, model, ["baseline", "wood"]))) == 12
        assert sum(f.endswith(".png") for f in os.listdir(layout.sem_seg_dir(args, model, ["baseline", "wood"]))) == 12
        assert json.load(open(layout.seg_eval(args, model)))["num_images"] == 3
        seed_eval = json.load(open(layout.seed_eval(args, model)))
        assert np.isfinite(seed_eval["fixed"]["miou"])
    memory = json.load(open(layout.result_file(args, "memory.json")))
    assert {"step.s01_train_cam", "step.s08_train_irn", "step.s09_make_sem_seg", "step.s11_train_seg"} <= set(memory)
    assert all(m["peak_rss_mb"] > 100 for m in memory.values())
    assert "step.s09_make_sem_seg" in text and os.path.isfile(layout.result_file(args, "report.md"))
    assert "wood" in open(layout.result_file(args, "table3.txt")).read()
    config = json.load(open(layout.result_file(args, "config.json")))
    assert (config["backbone"], config["irn_ids"], config["cam_frozen_stages"], config["distance_form"]) == \
        ("resnet50", "train", 2, "release")
