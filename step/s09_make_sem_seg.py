"""Step 9: semantic pseudo-masks by IRN's random walk (IRN Sec. 4; paper Sec. 3.3, Table 2 "Mask").

Per image: the boundary map of the image and its flip (averaged) from step 8's network; the
stride-4 CAMs (`cam`) raised to --np_power (the release's option; 1 = IRN) and multiplied by
(1 - boundary); 2^--exp_times steps of the transition matrix built with --beta over pairs within
--rw_radius (the cells between a pair: --irn_path); upsampled x4, divided by the maximum, background where every class is below
--sem_seg_bg_thres. The transition matrix is sparse, so memory grows with the image, not its
square (misc/seeds/path_index.py). Writes result/<run>/<row>/sem_seg/<id>.png; finished images skip,
unless the CAMs, the IRN or the walk's flags changed (then the folder is remade, misc/chain/rerun.py).
"""
import logging
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from misc import io_utils
from misc.chain import distributed, layout, rerun
from misc.chain.amp import amp_record, set_amp
from misc.chain.layout import cam_dir, irn_checkpoint, sem_seg_dir
from misc.chain.progress import progress
from misc.chain.rows import selected_rows
from misc.chain.subsets import mask_ids
from misc.images import voc_palette
from misc.seeds.path_index import random_walk
from misc.torchutils import resolve_device
from net.irn_net import load_boundary_net
from voc12.datasets import MultiScaleDataset

log = logging.getLogger(__name__)


@torch.no_grad()
def pseudo_mask(boundary, cam, keys, size, args):
    """boundary: (h, w); cam: (K, h, w) stride-4 CAMs; keys: (K,) classes -> (H, W) uint8 mask."""
    if len(keys) == 0:
        return np.zeros(size, np.uint8)
    values = cam.clamp_min(0) ** args.np_power
    walked = random_walk(values, boundary, args.rw_radius, args.beta, args.exp_times, path=args.irn_path)
    up = F.interpolate(walked[None], scale_factor=4, mode="bilinear", align_corners=False)[0, :, :size[0], :size[1]]
    up = up / up.max().clamp_min(1e-12)
    with_bg = torch.cat([torch.full_like(up[:1], args.sem_seg_bg_thres), up])
    labels = np.concatenate([[0], np.asarray(keys) + 1])
    return labels[with_bg.argmax(0).cpu().numpy()].astype(np.uint8)


RW_FLAGS = ("beta", "exp_times", "rw_radius", "sem_seg_bg_thres", "np_power", "irn_path", "irn_infer_pad")


def run(args):
    device = resolve_device(args.device)
    ids = mask_ids(args)  # the infer images, and the segmentation network's (step 11)
    rows = selected_rows(args)
    palette, total = voc_palette(), 0
    for row in rows:
        out_dir = sem_seg_dir(args, row, rows)
        made_from = {**rerun.fingerprints({"cam": cam_dir(args, row, rows), "irn": irn_checkpoint(args, row),
                                           "data": args.list_dir}),
                     **{k: getattr(args, k) for k in RW_FLAGS}, **amp_record(args)}
        todo = rerun.ids_to_make(out_dir, ids, made_from, args.overwrite, ".png")
        log.info("%s: %d of %d pseudo-masks to make in %s", row, len(todo), len(ids), out_dir)
        if not todo:
            continue
        total += len(todo)
        net = set_amp(load_boundary_net(irn_checkpoint(args, row), device), args.amp)
        share = distributed.shard(todo)  # torchrun: a share a rank
        images = MultiScaleDataset(share, layout.image_dir(args.voc12_root),
                                   {i: np.zeros(1, np.float32) for i in share}, scales=(1.0,))
        loader = DataLoader(images, batch_size=None, shuffle=False, num_workers=args.num_workers)  # decode ahead
        for pack in progress(loader, total=len(images), desc=f"random walk {row}", leave=False):
            cam = io_utils.load_cam_dict(os.path.join(cam_dir(args, row, rows), pack["name"] + ".npy"))
            boundary = net.boundary(pack["img"][0].to(device), args.irn_infer_pad)
            mask = pseudo_mask(boundary, torch.from_numpy(cam["cam"]).to(device), cam["keys"], pack["size"], args)
            io_utils.save_label_png(os.path.join(out_dir, pack["name"] + ".png"), mask, palette)
        distributed.barrier()
    return None if total else rerun.SKIPPED
