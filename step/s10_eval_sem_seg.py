"""Step 10: evaluate the pseudo-masks with the seeds' metric code; Table 2 (Seed, +CRF, Mask).

Writes result/<run>/<model>/mask_eval.json and result/<run>/table2.txt (mIoU of the seed at
--cam_eval_thres, of the seed refined by the CRF (step 6, --eval_crf) and of the mask).
"""
import json
import logging
import os

from tqdm import tqdm

from misc import io_utils
from misc.metrics import StreamingConfusion
from misc.run_models import model_dir, selected_models, sem_seg_dir
from misc.subsets import infer_ids
from misc.tables import format_table, pct
from step.s06_eval_cam import per_class_table, summary
from voc12.datasets import load_gt_mask

log = logging.getLogger(__name__)


def evaluate_masks(ids, mask_dir, voc_root, num_classes):
    confusion = StreamingConfusion(num_classes)
    for image_id in tqdm(ids, desc="eval masks", leave=False):
        mask = io_utils.load_label_png(os.path.join(mask_dir, image_id + ".png"))
        confusion.update(mask, load_gt_mask(voc_root, image_id))
    return confusion.scores()


def run(args):
    ids = infer_ids(args)
    names = ["background"] + io_utils.read_lines(args.class_names_file, "class names")
    rows, models = [], selected_models(args)
    for model in models:
        mask_dir = sem_seg_dir(args, model, models)
        scores = evaluate_masks(ids, mask_dir, args.voc12_root, len(names))
        io_utils.save_json(os.path.join(model_dir(args, model), "mask_eval.json"),
                           {"model": model, "num_images": len(ids), "class_names": names, **scores})
        log.info("%s pseudo-masks (%d images):\n%s", model, len(ids), per_class_table(names, scores))
        seeds_path = os.path.join(model_dir(args, model), "seed_eval.json")
        seeds = json.load(open(seeds_path)) if os.path.isfile(seeds_path) else {}
        crf = seeds.get("crf") or {}
        rows.append([model, pct(seeds.get("fixed", {}).get("miou")), pct(crf.get("miou")), pct(scores["miou"]),
                     pct(summary(scores)["precision"]), pct(summary(scores)["recall"])])
    table = format_table(["model", "Seed", "+CRF", "Mask", "Mask prec.", "Mask recall"], rows)
    io_utils.save_text(os.path.join(args.result_dir, "table2.txt"), table + "\n")
    log.info("pseudo-mask quality (Table 2 columns, mIoU %%):\n%s", table)
