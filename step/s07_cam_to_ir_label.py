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

from misc.chain import distributed, layout, rerun
from misc.chain.layout import cam_dir, ir_label_dir
from misc.chain.rows import selected_rows
from misc.chain.subsets import irn_ids
from misc.seeds.crf_jobs import write_ir_label
from misc.seeds.crf_pool import crf_map

log = logging.getLogger(__name__)


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
        for _ in crf_map(write_ir_label, jobs, args.crf_workers, f"ir_label {row}"):
            pass
        distributed.barrier()
    return None if total else rerun.SKIPPED
