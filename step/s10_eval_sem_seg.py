"""Step 10: evaluate the pseudo-masks with the seeds' metric code; Table 2 (Seed, +CRF, Mask).

Writes result/<run>/<row>/mask_eval.json and result/<run>/table2.txt (mIoU of the seed at
--cam_eval_thres, of the seed refined by the CRF (step 6, --eval_crf) and of the mask). With
--sem_seg_eval_sweep (default 0.05-0.95), mask_eval.json also holds the masks' scores over the
random walk's background threshold, from step 9's kept walk scores without walking again, and the
best of them, chosen with ground truth and labelled so (as step 6's seed sweep).
"""
import json
import logging
import os

import torch

from misc import io_utils
from misc.chain import distributed, layout, rerun
from misc.chain.errors import BadInput
from misc.chain.ground_truth import skip_without_masks
from misc.chain.layout import rw_scores_dir, sem_seg_dir
from misc.chain.progress import progress
from misc.chain.rows import selected_rows
from misc.chain.subsets import infer_ids
from misc.metrics import StreamingConfusion
from misc.report.tables import format_table, pct, per_class_table, summary
from step.s06_eval_cam import best_of, sweep_thresholds
from step.s09_make_sem_seg import load_scores, masks_at_thresholds
from voc12.datasets import load_gt_mask

log = logging.getLogger(__name__)


def evaluate_masks(ids, mask_dir, voc_root, num_classes):
    confusion = StreamingConfusion(num_classes)
    for image_id in progress(distributed.shard(ids), desc="eval masks", leave=False):
        path = os.path.join(mask_dir, image_id + ".png")
        mask, gt = io_utils.load_label_png(path), load_gt_mask(voc_root, image_id)
        if mask.shape != gt.shape:
            raise BadInput(f"pseudo-mask of '{image_id}' ({path}) is {mask.shape} but its ground truth is {gt.shape}")
        confusion.update(mask, gt)
    return confusion.scores()


def evaluate_mask_sweep(ids, scores_dir, voc_root, num_classes, thresholds):
    """{threshold: scores} of the masks step 9's kept walk scores give at each --sem_seg_bg_thres
    of the sweep (the same masks a walk at that threshold writes)."""
    confusions = {t: StreamingConfusion(num_classes) for t in thresholds}
    for image_id in progress(distributed.shard(ids), desc="mask threshold sweep", leave=False):
        walked, keys, size = load_scores(os.path.join(scores_dir, image_id + ".npy"))
        gt = load_gt_mask(voc_root, image_id)
        for t, mask in masks_at_thresholds(torch.from_numpy(walked), keys, size, thresholds).items():
            confusions[t].update(mask, gt)
    return {t: c.scores() for t, c in confusions.items()}


def has_scores(scores_dir, masks_dir, ids):
    """The walk scores of every image, made from what the masks were made from (the threshold aside)."""
    stamps = [rerun.read_stamp(d) for d in (scores_dir, masks_dir)]
    if None in stamps:
        return False
    scores, masks = ({k: v for k, v in s.items() if k not in ("_generation", "sem_seg_bg_thres")} for s in stamps)
    return scores == masks and all(os.path.isfile(os.path.join(scores_dir, i + ".npy")) for i in ids)


def made_from(args, row, rows, ids):
    paths = {"sem_seg": sem_seg_dir(args, row, rows), "data": args.list_dir}
    sweep = args.sem_seg_eval_sweep and has_scores(rw_scores_dir(args, row, rows), sem_seg_dir(args, row, rows), ids)
    if sweep:  # what the sweep reads, and its range
        paths["rw_scores"] = rw_scores_dir(args, row, rows)
    return {**rerun.fingerprints(paths), "ids_sha1": rerun.ids_fingerprint(ids),
            **({"sem_seg_eval_sweep": args.sem_seg_eval_sweep} if sweep else {})}


def sweep_result(args, ids, scores_dir, num_classes):
    """The sweep's entries and its GT-chosen best, labelled as such (as step 6's for seeds)."""
    thresholds = sweep_thresholds(*args.sem_seg_eval_sweep)
    by_thres = evaluate_mask_sweep(ids, scores_dir, args.voc12_root, num_classes, thresholds)
    best = best_of(by_thres, thresholds)
    return {"sweep": [{"threshold": t, **summary(by_thres[t])} for t in thresholds],
            "best_by_gt": {"threshold": best, "note": "--sem_seg_bg_thres chosen with ground truth",
                           **summary(by_thres[best])}}


def run(args):
    ids = infer_ids(args)
    if skip_without_masks(args, ids, "pseudo-mask evaluation (step 10)"):
        return rerun.SKIPPED
    names = ["background"] + io_utils.read_lines(args.class_names_file, "class names")
    lines, rows, evaluated = [], selected_rows(args), 0
    for row in rows:
        path, record = layout.mask_eval(args, row), made_from(args, row, rows, ids)
        if not rerun.skip_file(path, record, args.overwrite, f"{row} mask evaluation"):
            scores = evaluate_masks(ids, sem_seg_dir(args, row, rows), args.voc12_root, len(names))
            result = {"model": row, "num_images": len(ids), "class_names": names, **scores}
            if "rw_scores" in record:
                result.update(sweep_result(args, ids, rw_scores_dir(args, row, rows), len(names)))
                log.info("%s masks over --sem_seg_bg_thres: best (GT-chosen) %.2f, mIoU %s (at %.2f: %s)", row,
                         result["best_by_gt"]["threshold"], pct(result["best_by_gt"]["miou"]),
                         args.sem_seg_bg_thres, pct(scores["miou"]))
            elif args.sem_seg_eval_sweep:
                log.info("%s: no random-walk scores of these masks for every image in %s (made before step 9 kept "
                         "them, or from other inputs): no threshold sweep; rerun step 9 with --overwrite "
                         "make_sem_seg for one", row,
                         rw_scores_dir(args, row, rows))
            if distributed.is_main():
                io_utils.save_json(path, result)
                rerun.record(path, record)
            log.info("%s pseudo-masks (%d images):\n%s", row, len(ids), per_class_table(names, scores))
            evaluated += 1
        if not distributed.is_main():
            continue
        with open(path) as f:
            scores = json.load(f)
        seeds_path = layout.seed_eval(args, row)
        seeds = json.load(open(seeds_path)) if os.path.isfile(seeds_path) else {}
        crf = seeds.get("crf") or {}
        lines.append([row, pct(seeds.get("fixed", {}).get("miou")), pct(crf.get("miou")), pct(scores["miou"]),
                     pct(summary(scores)["precision"]), pct(summary(scores)["recall"])])
    if not distributed.is_main():
        return None
    table = format_table(["model", "Seed", "+CRF", "Mask", "Mask prec.", "Mask recall"], lines)
    io_utils.save_text(layout.result_file(args, "table2.txt"), table + "\n")
    log.info("pseudo-mask quality (Table 2 columns, mIoU %%):\n%s", table)
    return None if evaluated else rerun.SKIPPED
