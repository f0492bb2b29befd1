"""Each step's cost per image at two data sizes, and its peak memory: to extrapolate to your set.

    python scripts/scaling_table.py                              # the smoke preset at 96 and 384 train images
    python scripts/scaling_table.py --sizes 300,1200 -- --preset synthetic

Runs the whole chain once per size, each in its own process and folder (result/scaling/n<N>/, a
fresh working directory, so nothing of another run is reused but the shared pretraining
stand-in in sess/pretrained, whose cost does not depend on the data), with the synthetic set's
train images at N, its val images and OoD pool scaled with it (the neutral probes stay: steps
never read them). A folder of an earlier invocation is emptied first. Then per step: the wall time at each size, the images
the step handled (training: images x epochs x rows; per-image steps: images x rows), seconds per
image at each size, their ratio (1.0: linear in the data; above: worse than linear), and the
step's peak resident set (CPU), and the largest worker process of the run so far (CRF pools). Prints the table and
writes result/scaling/scaling.md. Arguments after `--` go to run_sample.py.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from misc import io_utils  # noqa: E402
from misc.report.tables import format_table  # noqa: E402
from run_sample import parse_args  # noqa: E402

OUT = os.path.join("result", "scaling")


def size_flags(n, base):
    """The synthetic set at n train images: val, probes and the pool scale by n / base."""
    preset = parse_args(base)
    scale = n / preset.syn_n_train
    return ["--syn_n_train", str(n), "--syn_n_val", str(max(4, round(preset.syn_n_val * scale))),
            "--syn_n_ood_hard", str(max(2, round(preset.syn_n_ood_hard * scale))),
            "--syn_n_ood_easy", str(max(2, round(preset.syn_n_ood_easy * scale))),
            "--syn_n_ood_positive", str(max(1, round(preset.syn_n_ood_positive * scale)))]


def images_per_step(folder, argv):
    """How many images each step handled in the run at `folder` (its lists and flags)."""
    args = parse_args(argv)
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        train, infer = len(io_utils.read_ids(args.train_list)), len(io_utils.read_ids(args.infer_list))
        val = len(io_utils.read_ids(args.val_list))
        pool = len(io_utils.read_ids(os.path.join(args.ood_root, "candidates.txt")))
        ood = len(io_utils.read_ids(args.ood_list)) if os.path.isfile(args.ood_list) else 0
    finally:
        os.chdir(cwd)
    rows = 2 * len([m for m in args.cam_method.split(",") if m.strip()])  # baseline and W-OoD, each seed method
    seg_rows = rows + bool(args.seg_full_supervision)
    return {
        "step.s00_prepare_data": (train + val + pool, "images generated (train, val, pool)"),
        "step.s01_train_cam": (train * args.cam_num_epoches, "train x epochs"),
        "step.s02_mine_hard_ood": (pool, "candidates scored"),
        "step.s03_cluster": (train + ood, "train + D_ood features"),
        "step.s04_train_wood": (train * (args.wood_num_epoches or args.cam_num_epoches), "train x epochs (+ OoD)"),
        "step.s05_make_cam": (rows * infer, f"{rows} rows x infer"),
        "step.s06_eval_cam": (rows * infer, f"{rows} rows x infer"),
        "step.s07_cam_to_ir_label": (rows * train, f"{rows} rows x train"),
        "step.s08_train_irn": (rows * train * args.irn_num_epoches, f"{rows} rows x train x epochs"),
        "step.s09_make_sem_seg": (rows * train, f"{rows} rows x train"),
        "step.s10_eval_sem_seg": (rows * infer, f"{rows} rows x infer"),
        "step.s11_train_seg": (seg_rows * train * args.seg_num_epoches, f"{seg_rows} rows x train x epochs"),
        "step.s12_eval_seg": (seg_rows * val, f"{seg_rows} rows x val"),
    }


def run_size(n, base):
    folder = os.path.abspath(os.path.join(OUT, f"n{n}"))
    shutil.rmtree(folder, ignore_errors=True)  # this script's own folder: times of one invocation only
    os.makedirs(folder)
    pretrained = os.path.join(folder, "sess", "pretrained")
    if not os.path.exists(pretrained):  # the stand-in is shared: its cost does not scale with the data
        os.makedirs(os.path.join(ROOT, "sess", "pretrained"), exist_ok=True)
        os.makedirs(os.path.dirname(pretrained), exist_ok=True)
        os.symlink(os.path.join(ROOT, "sess", "pretrained"), pretrained)
    argv = base + size_flags(n, base) + ["--run_name", "scaling"]
    done = subprocess.run([sys.executable, os.path.join(ROOT, "run_sample.py")] + argv, cwd=folder)
    if done.returncode:
        sys.exit(f"the chain at {n} train images failed (exit {done.returncode}); its log: {folder}/result/scaling/log.txt")
    result = os.path.join(folder, "result", "scaling")
    timings = json.load(open(os.path.join(result, "timings.json")))
    memory = json.load(open(os.path.join(result, "memory.json")))
    return timings, memory, images_per_step(folder, argv)


def table(sizes, runs):
    (small, large), (a, b) = sizes, runs
    header = ["step", "images handled", f"s at {small}", f"s at {large}", f"s / image at {small}",
              f"s / image at {large}", "ratio", f"peak RSS at {large} (MB)", "largest worker so far (MB)"]
    lines = []
    for step, (count_b, what) in b[2].items():
        count_a = a[2][step][0]
        ta, tb = a[0].get(step), b[0].get(step)
        if ta is None or tb is None:
            continue
        per_a, per_b = ta / max(count_a, 1), tb / max(count_b, 1)
        mem = b[1].get(step, {})
        lines.append([step.split(".")[-1], what, f"{ta:.1f}", f"{tb:.1f}", f"{per_a:.4f}", f"{per_b:.4f}",
                      f"{per_b / per_a:.2f}" if per_a else "", f"{mem.get('peak_rss_mb', 0):.0f}",
                      f"{mem.get('children_peak_rss_mb', 0):.0f}"])
    return format_table(header, lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="96,384", help="two train-set sizes")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="-- then run_sample.py flags (default: --preset smoke)")
    opts = p.parse_args(argv)
    sizes = [int(s) for s in opts.sizes.split(",")]
    if len(sizes) != 2 or sizes[0] >= sizes[1]:
        p.error("--sizes takes two sizes, the smaller first: 96,384")
    base = [a for a in opts.rest if a != "--"] or ["--preset", "smoke"]
    runs = [run_size(n, base) for n in sizes]
    text = table(sizes, runs)
    note = (f"\n\nrun_sample.py {' '.join(base)} at --syn_n_train {sizes[0]} and {sizes[1]}; one process each, "
            f"the pretraining stand-in shared (not timed). Peak RSS: the step's high-water mark (reset at its start); "
            f"worker processes (CRF pools, loader workers): the largest one of the run so far (not reset).")
    io_utils.save_text(os.path.join(OUT, "scaling.md"), text + note + "\n")
    print(text + note)


if __name__ == "__main__":
    main()
