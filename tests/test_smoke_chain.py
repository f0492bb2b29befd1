"""The whole chain on a tiny synthetic set, as a user runs it; reruns skip or remake by the one rule."""
import glob
import json
import os
import shutil
import stat

import numpy as np
import pytest
from PIL import Image

from misc.chain import rerun
from run_sample import main
from tests.conftest import TINY
from tests.preloaded import run_chain

OUTPUT_ROOTS = ("sess", "result", "WOoD_dataset", "Data")


def files(folder, extension):
    return sorted(f for f in os.listdir(folder) if f.endswith(extension))


def mtimes(run="."):
    """{path: mtime_ns} of every file the chain wrote in the run folder `run`, paths relative to
    it (the log is appended to by design)."""
    found = {}
    for root in OUTPUT_ROOTS:
        for folder, _, names in os.walk(os.path.join(run, root)):
            for name in names:
                path = os.path.relpath(os.path.join(folder, name), run)
                if not path.endswith("log.txt"):
                    found[path] = os.stat(os.path.join(run, path)).st_mtime_ns
    return found


def test_smoke_chain_end_to_end(smoke_run, monkeypatch):
    monkeypatch.chdir(smoke_run)
    for model in ("baseline", "wood"):
        result = json.load(open(f"result/smoke/{model}/seed_eval.json"))
        for key in ("miou", "precision", "recall", "f1"):
            assert 0.0 <= result["fixed"][key] <= 1.0
        assert len(result["fixed"]["per_class"]["iou"]) == 7
        assert result["best_by_gt"]["note"] == "threshold chosen with ground truth"
        assert 0.08 <= result["release_best"]["threshold"] <= 0.14 and result["release_best"]["range"] == [0.08, 0.14]
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
    assert [r["epoch"] for r in log] == [1, 2]
    assert {"cls_in", "cls_ood", "pull", "push", "feature_norm"} <= set(log[-1])
    assert os.path.isfile("result/smoke/config.json") and os.path.isfile("result/smoke/seed_table.txt")
    for picture in ("compare.png", "threshold_sweep.png", "per_class_delta.png", "ood_clusters.png",
                    "feature_tsne.png"):
        Image.open(f"result/smoke/vis/{picture}").verify()
    report = open("result/smoke/report.md").read()
    for step in json.load(open("result/smoke/timings.json")):
        assert step in report
    assert "step.s04_train_wood" in report and "vis/compare.png" in report
    assert not glob.glob("**/*.tmp", recursive=True) + glob.glob("**/*.resume", recursive=True)


def test_outputs_are_readable_like_any_file_the_user_writes(smoke_run):
    """Under umask 022 every file the chain wrote is 0644 and every folder 0755."""
    odd = []
    for root in ("sess", "result", "WOoD_dataset"):
        for folder, _, names in os.walk(smoke_run / root):
            if stat.S_IMODE(os.stat(folder).st_mode) != 0o755:
                odd.append(folder)
            odd += [os.path.join(folder, n) for n in names
                    if stat.S_IMODE(os.stat(os.path.join(folder, n)).st_mode) != 0o644]
    assert odd == []


def test_identical_rerun_rewrites_nothing(smoke_copy):
    before, log_size = mtimes(), os.path.getsize("result/smoke/log.txt")
    main(TINY)
    assert mtimes() == before
    with open("result/smoke/log.txt") as f:
        rerun_log = f.read()[log_size:]
    skipped = [line for line in rerun_log.splitlines() if "nothing to do" in line]
    assert len(skipped) == 15, skipped  # every step but the report, which is always rebuilt (unchanged)


def retrained_f_in_job(folder, env, smoke_run):
    """A copy of the smoke run rerun with another F_in flag (a background job of the session,
    started once the smoke run is made: tests/conftest.py), one thread. Returns the copy and its
    files' times before the rerun."""
    run = folder / "run"
    shutil.copytree(smoke_run, run, symlinks=True)  # times kept
    before = mtimes(run)
    # W-OoD's own lr unchanged
    run_chain(TINY + ["--cam_learning_rate", "0.05", "--wood_learning_rate", "0.02"], run, folder, env)
    return run, before


@pytest.mark.slow
def test_retrained_f_in_remakes_everything_after_it(background, monkeypatch):
    """Another F_in flag: F_in is retrained, and W-OoD (same flags) and every later output are
    remade from it; the data set and the pretrained stand-in are kept."""
    run, before = background
    monkeypatch.chdir(run)
    after = mtimes()
    # Step 2's thumbnails (of the pool's images), review.js (the code) and review.html (class names and
    # counts: all candidates at --ood_score_thres 0) come out the same from any F_in.
    # The fully supervised segmentation network reads ground truth only, so no F_in either.
    upstream = ("Data/", "sess/pretrained/", "WOoD_dataset/synthetic_smoke/", "sess/smoke/lists/",
                "WOoD_dataset/smoke/thumbnails/", "WOoD_dataset/smoke/review.js", "WOoD_dataset/smoke/review.html",
                "sess/smoke/seg_full_supervision.pth", "result/smoke/full_supervision/")
    unchanged = {p for p in before if after.get(p) == before[p]}

    # A remade output whose bytes came out the same is not rewritten, but its record is. The
    # segmentation networks are retrained (below); at the smoke size their weights can come out
    # the same from the new masks, and then their evaluation, predictions and Table 3 are current.
    kept = [p for p in unchanged if not p.startswith(upstream) and "/seg_pred/" not in p
            and not p.endswith(("table3.txt", "seg_eval.json", "seg_eval.json.made_from.json"))
            and (rerun.sidecar(p) not in before or rerun.sidecar(p) in unchanged)]
    assert kept == [], kept
    remade = ["sess/smoke/cam_baseline.pth", "WOoD_dataset/smoke/ood_list.txt", "sess/smoke/cam_wood.pth",
              "sess/smoke/irn_baseline.pth", "sess/smoke/irn_wood.pth", rerun.sidecar("result/smoke/wood/seed_eval.json"),
              rerun.sidecar("result/smoke/wood/mask_eval.json"), "result/smoke/wood/cam/train_00000.npy",
              "result/smoke/wood/ir_label/train_00000.png", "result/smoke/wood/sem_seg/train_00000.png",
              "result/smoke/vis/compare.png", "sess/smoke/seg_baseline.pth", "sess/smoke/seg_wood.pth",
              rerun.sidecar("sess/smoke/seg_wood.pth")] + glob.glob("sess/smoke/clusters_*.npy")
    assert all(after[p] != before[p] for p in remade)
    wood = json.load(open(rerun.sidecar("sess/smoke/cam_wood.pth")))["made_from"]
    assert wood["f_in"] == rerun.fingerprint("sess/smoke/cam_baseline.pth")  # trained from the new F_in
    assert not glob.glob("**/*.tmp", recursive=True) + glob.glob("**/*.resume", recursive=True)


@pytest.mark.slow
def test_advcam_rows_on_a_subset(smoke_copy):
    """--cam_method cam,advcam adds <model>_advcam rows; --infer_num limits steps 5-10 to a subset."""
    main(TINY + ["--cam_method", "cam,advcam", "--adv_iter", "2", "--infer_num", "6", "--irn_batch_size", "3",
                 "--vis_pass", "false", "--train_seg_pass", "false", "--eval_seg_pass", "false"])  # Table 3: the end-to-end test
    table = open("result/smoke/seed_table.txt").read()
    for model in ("baseline", "wood", "baseline_advcam", "wood_advcam"):
        assert model in table and model in open("result/smoke/table2.txt").read()
        assert json.load(open(f"result/smoke/{model}/seed_eval.json"))["num_images"] == 6
    for model in ("baseline_advcam", "wood_advcam"):
        assert len(files(f"result/smoke/{model}/sem_seg", ".png")) == 6
    advcam = files("result/smoke/wood_advcam/cam", ".npy")
    assert len(advcam) == 6 and set(advcam) <= set(files("result/smoke/wood/cam", ".npy"))
    made_from = json.load(open("result/smoke/wood_advcam/cam/made_from.json"))
    assert made_from["method"] == "advcam" and made_from["adv_iter"] == 2
    timing = json.load(open("result/smoke/wood_advcam/seed_timing.json"))
    assert timing["method"] == "advcam" and timing["images"] == 6
    assert "| wood_advcam | advcam | 6 |" in open("result/smoke/report.md").read()
