"""The paper setting's plumbing on a tiny VOC-format mock: every step of `--preset voc` (ResNet-50
with random weights from a local file, SBD's lists, XML labels, manual review answered by a
decisions file, IRN on train_aug, W-OoD in the release's form), at small image and crop sizes so
it fits the suite, run through the prepared device check's script, as
`bash scripts/gpu_check.sh --device cpu --small --parts voc_fp32` runs it. scripts/dry_run_voc.py runs
the same at VOC's sizes (docs/paper_setting.md, dry run); on a GPU, scripts/gpu_check.sh."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from misc import io_utils
from misc.chain import layout
from run_sample import parse_args
from tests import preloaded
from tests.conftest import ROOT

ENV = {**os.environ, "PYTHON": sys.executable}  # the suite's interpreter, activated or not


def dry_run_job(folder, env):
    """The device check's CPU run (a background job of the session: tests/conftest.py); its exit
    code, stdout and output. gpu_check.sh's own work is the pydensecrf probe and an exec of
    gpu_check.py (its refusal is the test below); the check itself runs forked with torch
    imported (tests/preloaded.py), one thread."""
    work = folder / "check"
    done = preloaded.run([os.path.join(ROOT, "scripts", "gpu_check.py"), "--device", "cpu", "--small",
                          "--parts", "voc_fp32", "--work", str(work)], ROOT, {**env, "WOOD_THREADS": "1"},
                         merge=False)
    return done, work


@pytest.mark.slow
def test_voc_preset_runs_every_step_on_a_mock_through_the_device_check(background, monkeypatch):
    done, work = background
    assert done.returncode == 0 and done.stdout.rstrip().endswith("PASS"), (done.stdout + done.stderr)[-4000:]
    monkeypatch.chdir(work)
    args = parse_args(["--preset", "voc", "--run_name", "gpu_check_voc_fp32"])
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
    check = open("gpu_check.md").read()
    assert "| step.s09_make_sem_seg |" in check and "- voc_fp32: PASS" in check
    assert os.path.isfile(layout.result_file(args, "report.md"))
    assert "wood" in open(layout.result_file(args, "table3.txt")).read()
    config = json.load(open(layout.result_file(args, "config.json")))
    assert (config["backbone"], config["irn_ids"], config["cam_frozen_stages"], config["distance_form"]) == \
        ("resnet50", "train", 2, "release")


def test_an_unknown_part_is_refused():
    done = subprocess.run(["bash", os.path.join(ROOT, "scripts", "gpu_check.sh"), "--parts", "voc_fp64"],
                          capture_output=True, text=True, env=ENV)
    assert done.returncode == 2 and "--parts: unknown ['voc_fp64']" in done.stderr
