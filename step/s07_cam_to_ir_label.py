"""Step 7: CAMs -> IRN's inter-pixel relation labels (IRN Sec. 3.1; Table 2's pipeline).

Confident foreground: the CAM seed at --conf_fg_thres (0.30) refined by the dense CRF; confident
background: the seed at --conf_bg_thres (0.15 as the W-OoD release; IRN used 0.05) refined by
the CRF and labelled background where both say background; everything else is 255 (unsure).
Writes result/<run>/<row>/ir_label/<id>.png; images run in parallel processes on the CPU
(--crf_workers); finished images are skipped unless --overwrite true, and the folder is remade
when its CAM folder or thresholds changed (misc/chain/rerun.py).
"""
import logging
import os

import numpy as np

from misc import io_utils
from misc.chain import distributed, layout, rerun
from misc.chain.layout import cam_dir, ir_label_dir
from misc.chain.rows import selected_rows
from misc.chain.subsets import irn_ids
from misc.images import IGNORE_LABEL, load_rgb, voc_palette
from misc.seeds.crf import crf_seed
from misc.seeds.crf_pool import crf_map

log = logging.getLogger(__name__)


def ir_label(rgb, high_res, keys, fg_thres, bg_thres):
    """(H, W) uint8: class where the CRF-refined high-threshold seed says so, 0 where the
    CRF-refined low-threshold seed says background, 255 in between (IRN's cam_to_ir_label)."""
    fg = crf_seed(rgb, high_res, keys, fg_thres)
    bg = crf_seed(rgb, high_res, keys, bg_thres)
    label = fg.astype(np.uint8)
    label[fg == 0] = IGNORE_LABEL
    label[(fg == 0) & (bg == 0)] = 0
    return label


def _work(job):
    image_id, image_dir, cam_folder, out_path, fg_thres, bg_thres = job
    cam = io_utils.load_cam_dict(os.path.join(cam_folder, image_id + ".npy"))
    label = ir_label(load_rgb(image_dir, image_id), cam["high_res"], cam["keys"], fg_thres, bg_thres)
    io_utils.save_label_png(out_path, label, voc_palette())
    return image_id


def run(args):
    ids = irn_ids(args)  # IR labels are IRN's training targets (--irn_ids)
    rows = selected_rows(args)
    image_dir = layout.image_dir(args.voc12_root)
    total = 0
    for row in rows:
        out_dir = ir_label_dir(args, row, rows)
        made_from = {**rerun.fingerprints({"cam": cam_dir(args, row, rows), "data": args.list_dir}),
                     "conf_fg_thres": args.conf_fg_thres, "conf_bg_thres": args.conf_bg_thres}
        todo = rerun.ids_to_make(out_dir, ids, made_from, args.overwrite, ".png")
        log.info("%s: %d of %d IR labels to make in %s", row, len(todo), len(ids), out_dir)
        total += len(todo)
        jobs = [(i, image_dir, cam_dir(args, row, rows), os.path.join(out_dir, i + ".png"),
                 args.conf_fg_thres, args.conf_bg_thres) for i in distributed.shard(todo)]  # torchrun: a share a rank
        for _ in crf_map(_work, jobs, args.crf_workers, f"ir_label {row}"):
            pass
        distributed.barrier()
    return None if total else rerun.SKIPPED
