"""Full-size dry run of the paper setting on a VOC-format mock: every step of `--preset voc`.

    python scripts/dry_run_voc.py                       # mock in Data/voc_mock, run voc_dry, CPU
    python scripts/dry_run_voc.py --epochs 0 -- --device cuda   # the preset's epochs, on a GPU

Writes the mock (voc12/generated/voc_mock.py: VOC2012 devkit layout, SBD lists, an OoD pool, a randomly
initialised torchvision ResNet-50 and ResNet-101 as the ImageNet weights files), then runs run_sample.py with
`--preset voc` at the preset's crop, batch and image sizes: steps 0-2 until the manual review
asks for decisions, answers them with a decisions file as a reviewer would export it (every
kept candidate negative but the first), then every step. Deviations, for random weights and
time, printed with the table: --epochs (1 by default) for F_in, W-OoD, IRN and the segmentation
network, --cam_learning_rate 0.01 (random weights at the preset's 0.1 give a non-finite loss at
step 2) and --seg_learning_rate 2.5e-5 (at the preset's 2.5e-4 the random ResNet-101's features
grow ~10x per step).

Prints and writes result/<run>/dry_run.md: per step the wall time, peak memory (RSS of the
process; step 7's CRF worker processes separately), the images it handled, and an estimate for
the paper's sizes (10,582 train_aug images, 1,464 VOC train images) from the per-image time,
labelled as an estimate: the mock's images are VOC-sized, the weights random.
"""
import argparse
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from misc import io_utils  # noqa: E402
from misc.chain import layout  # noqa: E402
from misc.review.page import write_decisions  # noqa: E402
from run_sample import main as run_sample_main  # noqa: E402
from run_sample import parse_args
from step.s02_mine_hard_ood import ReviewPending  # noqa: E402
from voc12.generated.voc_mock import VOC_SIZES, calibration_size, write_random_weights, write_voc_mock  # noqa: E402

PAPER_TRAIN_AUG, PAPER_INFER, PAPER_VAL = 10582, 1464, 1449
# The suite's sizes (tests/test_voc_dry_run.py, scripts/gpu_check.py --small): a tiny mock, small
# crops and batches; step 13 is the smoke chain's.
SMALL_FLAGS = ["--cam_crop_size", "64", "--cam_resize_long", "48,80", "--irn_crop_size", "64", "--irn_infer_pad", "96",
               "--cam_batch_size", "4", "--irn_batch_size", "8", "--ood_batch_size", "4", "--cam_scales", "1.0,0.5",
               "--ood_score_thres", "0.0", "--ood_feature_size", "96", "--crf_workers", "1", "--seg_crop_size", "64",
               "--seg_batch_size", "4", "--seg_infer_scales", "1.0", "--vis_pass", "false"]
SMALL_MOCK = dict(n_seg_train=8, n_seg_val=3, n_sbd_only=4, n_ood=8, classes_per_image=(2, 2),
                  sizes=((72, 96), (96, 72), (80, 80)))


def answer_review(args):
    """The reviewer's export for the kept candidates: the first positive, the rest negative."""
    rows = io_utils.read_lines(os.path.join(layout.mining_dir(args), "candidates.tsv"))[1:]
    kept = [row.split("\t")[:2] for row in rows]
    decisions = [(i, c, "positive" if k == 0 else "negative") for k, (i, c) in enumerate(kept)]
    write_decisions(layout.review_decisions(args), decisions, "dry run: the first candidate marked positive")
    return len(decisions)


def images_per_step(args):
    """How many images each step handled in the mock, and how many it handles in the paper run
    (training steps: images x epochs, the mock's epochs against the preset's)."""
    preset = parse_args(["--preset", "voc"])
    n_train = len(io_utils.read_ids(args.train_list))
    n_infer = len(io_utils.read_ids(args.infer_list))
    n_pool = len(io_utils.read_ids(layout.candidate_list(args)))
    n_val = len(io_utils.read_ids(args.val_list))
    rows = 2  # baseline and W-OoD
    seeds = len(set(io_utils.read_ids(args.infer_list)) | set(io_utils.read_ids(args.train_list)))
    def epochs(name):
        return getattr(args, name), getattr(preset, name)

    (cam, cam_paper), (irn, irn_paper), (seg, seg_paper) = (epochs(n) for n in (
        "cam_num_epoches", "irn_num_epoches", "seg_num_epoches"))
    return {
        "step.s01_train_cam": (n_train * cam, PAPER_TRAIN_AUG * cam_paper, f"train_aug x {cam_paper} epochs"),
        "step.s02_mine_hard_ood": (n_pool, None, "candidates (paper pool: not stated)"),
        "step.s03_cluster": (n_train, PAPER_TRAIN_AUG, "train_aug + D_ood features"),
        "step.s04_train_wood": (n_train * cam, PAPER_TRAIN_AUG * cam_paper, f"train_aug x {cam_paper} epochs"),
        "step.s05_make_cam": (rows * seeds, rows * PAPER_TRAIN_AUG, "2 rows x train_aug"),
        "step.s06_eval_cam": (rows * n_infer, rows * PAPER_INFER, "2 rows x VOC train"),
        "step.s07_cam_to_ir_label": (rows * n_train, rows * PAPER_TRAIN_AUG, "2 rows x train_aug"),
        "step.s08_train_irn": (rows * n_train * irn, rows * PAPER_TRAIN_AUG * irn_paper,
                               f"2 rows x train_aug x {irn_paper} epochs"),
        "step.s09_make_sem_seg": (rows * seeds, rows * PAPER_TRAIN_AUG, "2 rows x train_aug"),
        "step.s10_eval_sem_seg": (rows * n_infer, rows * PAPER_INFER, "2 rows x VOC train"),
        "step.s11_train_seg": (rows * n_train * seg, rows * PAPER_TRAIN_AUG * seg_paper,
                               f"2 rows x train_aug x {seg_paper} epochs"),
        "step.s12_eval_seg": (rows * n_val, rows * PAPER_VAL, "2 rows x VOC val"),
    }


def table(args, deviations, minutes):
    timings = json.load(open(layout.result_file(args, "timings.json")))
    memory = json.load(open(layout.result_file(args, "memory.json")))
    counts = images_per_step(args)
    lines = ["| step | s | peak RSS (MB) | CRF workers' peak (MB) | images (mock) | s / image | "
             "estimate at the paper's size (h, same device) |", "|---|---|---|---|---|---|---|"]
    for step, seconds in timings.items():
        mem = memory.get(step, {})
        mock, paper, what = counts.get(step, (None, None, ""))
        per_image = f"{seconds / mock:.2f}" if mock and seconds else ""
        estimate = f"{seconds / mock * paper / 3600:.1f} ({what})" if mock and paper and seconds else what
        lines.append(f"| {step} | {seconds} | {mem.get('peak_rss_mb', '')} | {mem.get('children_peak_rss_mb', '')} | "
                     f"{mock or ''} | {per_image} | {estimate} |")
    return (f"Dry run of `--preset voc` on the VOC-format mock ({minutes:.1f} min, last invocation). Deviations "
            f"from the preset: {deviations}. Estimates scale the mock's time per image (per image and epoch "
            f"for training) to the paper's image counts and the preset's epochs on the same device; they are "
            f"estimates, not measurements. Step 2 stops for the review, so its scoring time is not kept (the "
            f"rerun after the review reuses the scores).\n\n" + "\n".join(lines) + "\n")


def dry_run(root, run_name="voc_dry", epochs=1, cam_learning_rate=0.01, seg_learning_rate=2.5e-5, extra=(), **mock):
    """Write the mock under `root` (unless there), run every step of --preset voc on it; returns
    (args, the table's markdown)."""
    start = time.time()
    if not os.path.isfile(os.path.join(root, "ood", "candidates.txt")):
        write_voc_mock(root, **mock)
    # A mock from before Table 3's network lacks the ResNet-101 file.
    write_random_weights(root, calibration_size=calibration_size(mock.get("sizes", VOC_SIZES)))
    paths = {"voc12_root": os.path.join(root, "VOC2012"), "sbd_root": os.path.join(root, "SBD"),
             "ood_root": os.path.join(root, "ood"), "backbone_weights": os.path.join(root, "resnet50_random.pth"),
             "seg_backbone_weights": os.path.join(root, "resnet101_random.pth")}
    argv = ["--preset", "voc", "--run_name", run_name, "--device", "cpu", "--num_workers", "0",
            "--cam_learning_rate", str(cam_learning_rate), "--seg_learning_rate", str(seg_learning_rate)]
    deviations = [f"--cam_learning_rate {cam_learning_rate}", f"--seg_learning_rate {seg_learning_rate}",
                  "--num_workers 0"]
    for k, v in paths.items():
        argv += [f"--{k}", v]
    if epochs:
        argv += ["--cam_num_epoches", str(epochs), "--irn_num_epoches", str(epochs), "--seg_num_epoches", str(epochs)]
        deviations.append(f"--cam_num_epoches {epochs} --irn_num_epoches {epochs} --seg_num_epoches {epochs}")
    argv += list(extra)
    deviations += list(extra)
    args = parse_args(argv)
    if not os.path.isfile(layout.review_decisions(args)):  # else a rerun: the review was answered
        try:
            run_sample_main(argv + ["--steps", "0-2"])
            raise RuntimeError("step 2 did not ask for the manual review")
        except ReviewPending as pending:
            print(f"review asked for, as it should: {pending}")
        print(f"answered the review: {answer_review(args)} decisions -> {layout.review_decisions(args)}")
    run_sample_main(argv)
    text = table(args, " ".join(deviations), (time.time() - start) / 60)
    io_utils.save_text(layout.result_file(args, "dry_run.md"), text)
    return args, text


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default="Data/voc_mock", help="where the mock is written (kept if it exists)")
    p.add_argument("--run_name", default="voc_dry")
    p.add_argument("--epochs", type=int, default=1, help="epochs of F_in, W-OoD and IRN (0: the preset's)")
    p.add_argument("--cam_learning_rate", type=float, default=0.01, help="random weights need a lower lr")
    p.add_argument("--seg_learning_rate", type=float, default=2.5e-5,
                   help="random weights: the preset's 2.5e-4 grows the features ~10x per step")
    p.add_argument("--n_seg_train", type=int, default=16)
    p.add_argument("--n_seg_val", type=int, default=4)
    p.add_argument("--n_sbd_only", type=int, default=16)
    p.add_argument("--n_ood", type=int, default=24)
    p.add_argument("--image_sizes", default=None, help="HxW,HxW,... of the mock's images (default: VOC's sizes)")
    p.add_argument("extra", nargs="*", help="after --: more run_sample.py flags")
    opts = p.parse_args()
    sizes = tuple(tuple(int(v) for v in s.split("x")) for s in opts.image_sizes.split(",")) \
        if opts.image_sizes else VOC_SIZES
    _, text = dry_run(opts.root, opts.run_name, opts.epochs, opts.cam_learning_rate, opts.seg_learning_rate, opts.extra,
                      n_seg_train=opts.n_seg_train, n_seg_val=opts.n_seg_val, n_sbd_only=opts.n_sbd_only,
                      n_ood=opts.n_ood, sizes=sizes)
    print(text)


if __name__ == "__main__":
    main()
