"""Step 6: evaluate CAM seeds as the paper's Table 1 (mIoU, precision, recall, F1).

At the fixed background threshold --cam_eval_thres (IRN: 0.15) and over a sweep; the sweep's
best threshold is chosen with ground truth and is reported apart, labelled as such. The release's
protocol is a row of its own: its run_sample.py runs eval_cam at 0.08, 0.09, ..., 0.14 and
prints the best mIoU (--cam_eval_release_sweep), the number its Table 1 compares with; it too is
chosen with ground truth, over a narrower range. Writes
result/<run>/<row>/seed_eval.json (kept when made from the same seeds, data and flags) and
result/<run>/seed_table.txt, and prints per-class and summary tables.
"""
import json
import logging
import os

import numpy as np

from misc import io_utils
from misc.chain import distributed, layout, rerun
from misc.chain.errors import BadInput
from misc.chain.ground_truth import skip_without_masks
from misc.chain.layout import cam_dir
from misc.chain.progress import progress
from misc.chain.rows import selected_rows
from misc.chain.subsets import infer_ids
from misc.metrics import StreamingConfusion, cam_to_seed
from misc.report.tables import format_table, pct, per_class_table, summary
from misc.seeds.crf_jobs import crf_seed_confusion
from misc.seeds.crf_pool import crf_map
from voc12.datasets import load_gt_mask

log = logging.getLogger(__name__)


def sweep_thresholds(start, stop, step):
    return [round(float(t), 4) for t in np.arange(start, stop + 1e-9, step)]


def best_of(by_thres, thresholds):
    """The threshold of `thresholds` with the highest mIoU (chosen with ground truth); ties go to the
    lowest, as the release's max over its ascending range."""
    return max(thresholds, key=lambda t: by_thres[t]["miou"])


def evaluate_seeds(ids, cam_folder, voc_root, num_classes, thresholds):
    """{threshold: scores} for every threshold, reading each CAM and mask once."""
    confusions = {t: StreamingConfusion(num_classes) for t in thresholds}
    for image_id in progress(distributed.shard(ids), desc="eval seeds", leave=False):
        cam = io_utils.load_cam_dict(os.path.join(cam_folder, image_id + ".npy"))
        gt = load_gt_mask(voc_root, image_id)
        if gt.shape != cam["high_res"].shape[1:]:
            raise BadInput(f"CAM of '{image_id}' is {cam['high_res'].shape[1:]} but its mask is {gt.shape}")
        for t in thresholds:
            confusions[t].update(cam_to_seed(cam["high_res"], cam["keys"], t), gt)
    return {t: c.scores() for t, c in confusions.items()}


def evaluate_crf_seeds(ids, cam_folder, voc_root, num_classes, threshold, workers=1):
    """Scores of the seeds at `threshold` refined by the dense CRF (Table 2's "+CRF"), the images
    in --crf_workers processes (integer counts: the sum does not depend on their order)."""
    confusion = StreamingConfusion(num_classes)
    image_dir = layout.image_dir(voc_root)
    jobs = [(i, image_dir, cam_folder, voc_root, num_classes, threshold) for i in distributed.shard(ids)]
    for matrix in crf_map(crf_seed_confusion, jobs, workers, "eval seeds + CRF"):
        confusion.matrix += matrix
    return confusion.scores()


EVAL_FLAGS = ("cam_eval_thres", "cam_eval_sweep", "eval_crf")
# in the record when set: evaluations made before the release's row existed stay current (their
# table shows no release row until step 6 runs again with --overwrite eval_cam)
RECORDED_WHEN_NOT_DEFAULT = {"cam_eval_release_sweep": (0.08, 0.14, 0.01)}


def made_from(args, row, rows, ids):
    """What a row's evaluation is made from: its seeds, the data (ground truth), the ids, the flags."""
    return {**rerun.fingerprints({"cam": cam_dir(args, row, rows), "data": args.list_dir}),
            "ids_sha1": rerun.ids_fingerprint(ids), **{k: getattr(args, k) for k in EVAL_FLAGS},
            **{k: getattr(args, k) for k, v in RECORDED_WHEN_NOT_DEFAULT.items() if tuple(getattr(args, k)) != v}}


def evaluate_row(args, row, rows, ids, names, thresholds):
    """seed_eval.json of one row (fixed threshold, sweep, GT-chosen best, + CRF)."""
    by_thres = evaluate_seeds(ids, cam_dir(args, row, rows), args.voc12_root, len(names), thresholds)
    fixed = by_thres[round(args.cam_eval_thres, 4)]
    sweep = sweep_thresholds(*args.cam_eval_sweep)
    best_t = best_of(by_thres, sweep)
    release = sweep_thresholds(*args.cam_eval_release_sweep)
    release_t = best_of(by_thres, release)
    result = {
        "model": row, "num_images": len(ids), "class_names": names,
        "fixed": {"threshold": args.cam_eval_thres, **fixed},
        "sweep": [{"threshold": t, **summary(by_thres[t])} for t in sweep],
        "best_by_gt": {"threshold": best_t, "note": "threshold chosen with ground truth", **summary(by_thres[best_t])},
        "release_best": {"threshold": release_t, "range": [release[0], release[-1]],
                         "note": "the release's protocol: best of its threshold range, chosen with ground truth",
                         **summary(by_thres[release_t])},
    }
    if args.eval_crf:
        crf = evaluate_crf_seeds(ids, cam_dir(args, row, rows), args.voc12_root, len(names), args.cam_eval_thres,
                                 args.crf_workers)
        result["crf"] = {"threshold": args.cam_eval_thres, **crf}
    log.info("%s seeds at threshold %.2f (%d images):\n%s", row, args.cam_eval_thres, len(ids),
             per_class_table(names, fixed))
    return result


def table_rows(row, result):
    labelled = [("fixed", result["fixed"])]
    if "crf" in result:
        labelled.append(("fixed + CRF", result["crf"]))
    if "release_best" in result:  # absent from evaluations written before the release's row existed
        r = result["release_best"]
        labelled.append((f"release: best of {r['range'][0]:.2f}-{r['range'][1]:.2f} (GT-chosen)", r))
    labelled.append(("best (GT-chosen)", result["best_by_gt"]))
    return [[row, label, f"{s['threshold']:.2f}", pct(s["miou"]), pct(s["precision"]), pct(s["recall"]),
             pct(s["f1"])] for label, s in labelled]


def run(args):
    ids = infer_ids(args)
    if skip_without_masks(args, ids, "seed evaluation (step 6)"):
        return rerun.SKIPPED
    names = ["background"] + io_utils.read_lines(args.class_names_file, "class names")
    thresholds = sorted(set(sweep_thresholds(*args.cam_eval_sweep)) | set(sweep_thresholds(*args.cam_eval_release_sweep))
                        | {round(args.cam_eval_thres, 4)})
    rows, lines, evaluated = selected_rows(args), [], 0
    for row in rows:
        path, record = layout.seed_eval(args, row), made_from(args, row, rows, ids)
        if not rerun.skip_file(path, record, args.overwrite, f"{row} seed evaluation"):
            result = evaluate_row(args, row, rows, ids, names, thresholds)  # torchrun: every rank, a share each
            if distributed.is_main():
                io_utils.save_json(path, result)
                rerun.record(path, record)
            evaluated += 1
        if not distributed.is_main():
            continue
        with open(path) as f:
            lines += table_rows(row, json.load(f))
    if not distributed.is_main():
        return None
    table = format_table(["model", "threshold", "t", "mIoU", "Prec.", "Recall", "F1"], lines)
    io_utils.save_text(layout.result_file(args, "seed_table.txt"), table + "\n")
    log.info("seed quality (Table 1 columns, %%):\n%s", table)
    return None if evaluated else rerun.SKIPPED
