"""Step 9: semantic pseudo-masks by IRN's random walk (IRN Sec. 4; paper Sec. 3.3, Table 2 "Mask").

Per image: the boundary map of the image and its flip (averaged) from step 8's network; the
stride-4 CAMs (`cam`) raised to --np_power (the release's option; 1 = IRN) and multiplied by
(1 - boundary); 2^--exp_times steps of the transition matrix built with --beta over pairs within
--rw_radius (the cells between a pair: --irn_path); upsampled x4, divided by the maximum, background where every class is below
--sem_seg_bg_thres. The transition matrix is sparse, so memory grows with the image, not its
square (misc/seeds/path_index.py). Writes result/<run>/<row>/sem_seg/<id>.png; finished images skip,
unless the CAMs, the IRN or the walk's flags changed (then the folder is remade, misc/chain/rerun.py).

Also writes the walk's class scores, result/<run>/<row>/rw_scores/<id>.npy: {"keys": (K,) class
indices, "walked": (K, ceil(H/4), ceil(W/4)) float32, the walked scores at stride 4 before the
upsampling, "size": (H, W)} (~4 bytes x K x H x W / 16: ~70 KB a VOC image, ~1.5 GB for two rows of
train_aug). The folder is made from the CAMs, the IRN and the walk's flags except
--sem_seg_bg_thres, so a rerun with only that threshold changed re-thresholds the kept scores
without walking (the same masks, byte for byte), and step 10 sweeps the threshold from them.
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
from misc.chain.layout import cam_dir, irn_checkpoint, rw_scores_dir, sem_seg_dir
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
def walk(boundary, cam, keys, args):
    """boundary: (h, w); cam: (K, h, w) stride-4 CAMs -> (K, h, w) float32 walked class scores."""
    values = cam.clamp_min(0) ** args.np_power
    return random_walk(values, boundary, args.rw_radius, args.beta, args.exp_times, path=args.irn_path)


def mask_from_walk(walked, keys, size, bg_thres):
    """The walked scores -> (H, W) uint8 mask: upsampled x4, cropped, divided by their max, the
    background a constant `bg_thres` (IRN's sem_seg_bg_thres), the arg-max class."""
    return masks_at_thresholds(walked, keys, size, [bg_thres])[bg_thres]


@torch.no_grad()
def masks_at_thresholds(walked, keys, size, thresholds):
    """{threshold: the mask at that background threshold} (mask_from_walk), the upsampling done once."""
    if len(keys) == 0:
        return {t: np.zeros(size, np.uint8) for t in thresholds}
    up = F.interpolate(walked[None], scale_factor=4, mode="bilinear", align_corners=False)[0, :, :size[0], :size[1]]
    up = up / up.max().clamp_min(1e-12)
    labels = np.concatenate([[0], np.asarray(keys) + 1])
    return {t: labels[torch.cat([torch.full_like(up[:1], t), up]).argmax(0).cpu().numpy()].astype(np.uint8)
            for t in thresholds}


def pseudo_mask(boundary, cam, keys, size, args):
    """boundary: (h, w); cam: (K, h, w) stride-4 CAMs; keys: (K,) classes -> (H, W) uint8 mask."""
    if len(keys) == 0:
        return np.zeros(size, np.uint8)
    return mask_from_walk(walk(boundary, cam, keys, args), keys, size, args.sem_seg_bg_thres)


RW_FLAGS = ("beta", "exp_times", "rw_radius", "sem_seg_bg_thres", "np_power", "irn_path", "irn_infer_pad")
WALK_FLAGS = tuple(k for k in RW_FLAGS if k != "sem_seg_bg_thres")  # what the walked scores depend on


def save_scores(path, walked, keys, size):
    """One image's walked scores: {"keys": (K,), "walked": (K, h, w) float32 at stride 4, "size": (H, W)}."""
    io_utils.save_npy(path, {"keys": np.asarray(keys), "walked": walked.cpu().numpy().astype(np.float32),
                             "size": np.asarray(size, np.int64)})


def load_scores(path):
    scores = io_utils.load_npy(path, "random-walk scores")
    return scores["walked"], scores["keys"], tuple(int(v) for v in scores["size"])


def run(args):
    device = resolve_device(args.device)
    ids = mask_ids(args)  # the infer images, and the segmentation network's (step 11)
    rows = selected_rows(args)
    palette, total = voc_palette(), 0
    for row in rows:
        out_dir, scores_dir = sem_seg_dir(args, row, rows), rw_scores_dir(args, row, rows)
        inputs = rerun.fingerprints({"cam": cam_dir(args, row, rows), "irn": irn_checkpoint(args, row),
                                     "data": args.list_dir})
        made_from = {**inputs, **{k: getattr(args, k) for k in RW_FLAGS}, **amp_record(args)}
        todo = rerun.ids_to_make(out_dir, ids, made_from, args.overwrite, ".png")
        log.info("%s: %d of %d pseudo-masks to make in %s", row, len(todo), len(ids), out_dir)
        if not todo:
            continue
        total += len(todo)
        # The walk's scores are kept: when only --sem_seg_bg_thres changed, the masks are re-thresholded
        # from them without walking again (the same masks as a walk at that threshold).
        to_walk = set(rerun.ids_to_make(scores_dir, todo, {**inputs, **{k: getattr(args, k) for k in WALK_FLAGS},
                                                            **amp_record(args)}, args.overwrite, ".npy"))
        share = distributed.shard(todo)  # torchrun: a share a rank
        walking = [i for i in share if i in to_walk]
        for image_id in progress([i for i in share if i not in to_walk], desc=f"re-threshold {row}", leave=False):
            walked, keys, size = load_scores(os.path.join(scores_dir, image_id + ".npy"))
            mask = mask_from_walk(torch.from_numpy(walked).to(device), keys, size, args.sem_seg_bg_thres)
            io_utils.save_label_png(os.path.join(out_dir, image_id + ".png"), mask, palette)
        log.info("%s: %d images walked, %d re-thresholded from %s (this rank's share)", row, len(walking),
                 len(share) - len(walking), scores_dir)
        if walking:
            net = set_amp(load_boundary_net(irn_checkpoint(args, row), device), args.amp)
            images = MultiScaleDataset(walking, layout.image_dir(args.voc12_root),
                                       {i: np.zeros(1, np.float32) for i in walking}, scales=(1.0,))
            loader = DataLoader(images, batch_size=None, shuffle=False, num_workers=args.num_workers)  # decode ahead
            for pack in progress(loader, total=len(images), desc=f"random walk {row}", leave=False):
                cam = io_utils.load_cam_dict(os.path.join(cam_dir(args, row, rows), pack["name"] + ".npy"))
                keys, size = cam["keys"], tuple(pack["size"])
                if len(keys):
                    boundary = net.boundary(pack["img"][0].to(device), args.irn_infer_pad)
                    walked = walk(boundary, torch.from_numpy(cam["cam"]).to(device), keys, args)
                else:
                    walked = torch.zeros((0, *cam["cam"].shape[1:]))
                save_scores(os.path.join(scores_dir, pack["name"] + ".npy"), walked, keys, size)
                mask = mask_from_walk(walked, keys, size, args.sem_seg_bg_thres)
                io_utils.save_label_png(os.path.join(out_dir, pack["name"] + ".png"), mask, palette)
        distributed.barrier()
    return None if total else rerun.SKIPPED
