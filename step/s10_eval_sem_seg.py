"""Step 10: evaluate the pseudo-masks with the seeds' metric code; Table 2 (Seed, +CRF, Mask).

Writes result/<run>/<row>/mask_eval.json and result/<run>/table2.txt (mIoU of the seed at
--cam_eval_thres, of the seed refined by the CRF (step 6, --eval_crf) and of the mask).
"""
import json
import logging
import os

from misc import io_utils
from misc.chain import distributed, layout, rerun
from misc.chain.errors import BadInput
from misc.chain.layout import sem_seg_dir
from misc.chain.progress import progress
from misc.chain.rows import selected_rows
from misc.chain.subsets import infer_ids
from misc.metrics import StreamingConfusion
from misc.report.tables import format_table, pct, per_class_table, summary
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


def made_from(args, row, rows, ids):
    return {**rerun.fingerprints({"sem_seg": sem_seg_dir(args, row, rows), "data": args.list_dir}),
            "ids_sha1": rerun.ids_fingerprint(ids)}


def run(args):
    ids = infer_ids(args)
    names = ["background"] + io_utils.read_lines(args.class_names_file, "class names")
    lines, rows, evaluated = [], selected_rows(args), 0
    for row in rows:
        path, record = layout.mask_eval(args, row), made_from(args, row, rows, ids)
        if not rerun.skip_file(path, record, args.overwrite, f"{row} mask evaluation"):
            scores = evaluate_masks(ids, sem_seg_dir(args, row, rows), args.voc12_root, len(names))
            if distributed.is_main():
                io_utils.save_json(path, {"model": row, "num_images": len(ids), "class_names": names, **scores})
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
