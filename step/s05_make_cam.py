"""Step 5: multi-scale + flip seeds for the labelled classes, CAM or AdvCAM, in IRN's .npy format.

--cam_method cam: for each image and scale s in --cam_scales, the ReLU'd class maps of the image
and its flip are summed. --cam_method advcam: the same pair is climbed for each labelled class
(misc/seeds/advcam.py; --adv_iter, --AD_stepsize, --AD_coeff, --score_th) and the maps of every step
summed. Either way the maps are resized to stride 4 (`cam`) and to full size (`high_res`), summed
over scales and divided by each map's max. One file per image,
<cam_dir>/<id>.npy = {"keys": (K,) 0-based classes, "cam": (K, H/4, W/4), "high_res": (K, H, W)}.
AdvCAM rows are written to result/<run>/<row>_advcam/. Finished images are skipped unless
--overwrite true, so a killed run resumes; a folder made from another classifier or other
settings is remade (misc/chain/rerun.py).
"""
import logging
import math
import os
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from misc import io_utils
from misc.chain import distributed, layout, rerun
from misc.chain.amp import amp_record, set_amp
from misc.chain.progress import progress
from misc.chain.row_names import seed_method_of
from misc.chain.rows import selected_rows
from misc.chain.subsets import seed_ids
from misc.seeds.advcam import advcam_maps, release_small_scale_steps
from misc.torchutils import resolve_device
from net.factory import load_cam_net
from voc12.datasets import MultiScaleDataset
from voc12.voc_lists import load_cls_labels

log = logging.getLogger(__name__)
RECORDED_WHEN_NOT_DEFAULT = ("cam_high_res_dtype",)  # in the CAM folder's record when set
ADVCAM_FLAGS = ("adv_iter", "AD_stepsize", "AD_coeff", "score_th", "adv_logit", "adv_map",
                "adv_half_iter_small_scale")


def cam_pair_maps(net):
    """CAM seeds: (pair (2, 3, h, w), keys (K,)) -> (K, h/os, w/os) ReLU'd maps, flip mapped back."""
    @torch.no_grad()
    def maps_of(pair, keys, scale=None):
        maps = net.class_maps(pair)
        return (maps[0] + maps[1].flip(-1))[keys]
    return maps_of


def advcam_pair_maps(net, args):
    """AdvCAM seeds with the step's flags, same signature as cam_pair_maps."""
    def maps_of(pair, keys, scale=None):
        steps = args.adv_iter
        if args.adv_half_iter_small_scale and scale == 0.5:
            steps = release_small_scale_steps(args.adv_iter)
        return advcam_maps(net, pair, keys, steps, args.AD_stepsize, args.AD_coeff, args.score_th,
                           args.adv_logit, args.adv_class_batch, args.adv_map)
    return maps_of


def multiscale_cam(net, pyramid, size, keys, output_stride, maps_of=None, scales=None):
    """pyramid: list of (2, 3, h_s, w_s) image+flip tensors; size: (H, W); keys: (K,) classes;
    maps_of: cam_pair_maps(net) (default) or advcam_pair_maps(net, args); scales: the pyramid's.

    Returns (cam (K, ceil(H/4), ceil(W/4)), high_res (K, H, W)), each map divided by its max.
    """
    maps_of = maps_of or cam_pair_maps(net)
    H, W = size
    strided = (math.ceil(H / 4), math.ceil(W / 4))
    if len(keys) == 0:  # no labelled class: an empty seed (all background), not a crash
        return pyramid[0].new_zeros((0, *strided)), pyramid[0].new_zeros((0, H, W))
    # Upsample to a multiple of the output stride, then crop: the feature grid stays aligned.
    up = (math.ceil(H / output_stride) * output_stride, math.ceil(W / output_stride) * output_stride)
    cam_sum, high_sum = 0.0, 0.0
    for i, pair in enumerate(pyramid):
        maps = maps_of(pair, keys, scales[i] if scales else None).unsqueeze(0)
        cam_sum = cam_sum + F.interpolate(maps, strided, mode="bilinear", align_corners=False)[0]
        high_sum = high_sum + F.interpolate(maps, up, mode="bilinear", align_corners=False)[0, :, :H, :W]
    cam_sum = cam_sum / (cam_sum.amax(dim=(1, 2), keepdim=True) + 1e-5)
    high_sum = high_sum / (high_sum.amax(dim=(1, 2), keepdim=True) + 1e-5)
    return cam_sum, high_sum


def make_cams(net, ids, image_dir, labels, scales, out_dir, device, overwrite, maps_of=None, made_from=None,
              kernel="cv2_bilinear", high_res_dtype="float32", num_workers=0):
    """Write one seed file per id; returns the number written (skipped ones excluded).
    num_workers: DataLoader processes that decode and resize the pyramids ahead of the network
    (--num_workers; the same bytes as decoding in this process).
    made_from: what the folder is made from (settings, checkpoint); other settings -> remake all.
    high_res_dtype: float16 halves the files (the full-resolution maps are most of each); readers
    get float32 back (io_utils.load_cam_dict), and IRN's tools read either."""
    os.makedirs(out_dir, exist_ok=True)
    made_from = {"scales": list(scales), "resize_kernel": kernel, **(made_from or {}),
                 # recorded when not the default, so folders made before the flag existed stay current
                 **({"cam_high_res_dtype": high_res_dtype} if high_res_dtype != "float32" else {})}
    todo = rerun.ids_to_make(out_dir, ids, made_from, overwrite, ".npy")
    if len(todo) < len(ids):
        log.info("%d of %d CAMs already in %s, making the other %d", len(ids) - len(todo), len(ids), out_dir, len(todo))
    dataset = MultiScaleDataset(distributed.shard(todo), image_dir, labels, scales, kernel)  # torchrun: a share a rank
    loader = DataLoader(dataset, batch_size=None, shuffle=False, num_workers=num_workers)  # one image a step
    for pack in progress(loader, total=len(dataset), desc=f"make_cam {os.path.basename(os.path.dirname(out_dir))}",
                         leave=False):
        keys = torch.nonzero(pack["label"])[:, 0]
        pyramid = [p.to(device) for p in pack["img"]]
        cam, high_res = multiscale_cam(net, pyramid, pack["size"], keys.to(device), net.backbone.output_stride,
                                       maps_of, scales)
        io_utils.save_npy(os.path.join(out_dir, pack["name"] + ".npy"),
                          {"keys": keys.numpy(), "cam": cam.cpu().numpy(),
                           "high_res": high_res.cpu().numpy().astype(high_res_dtype, copy=False)})
    distributed.barrier()  # every rank's files are written before the folder is read
    return len(todo)


def run(args):
    device = resolve_device(args.device)
    ids = seed_ids(args)  # the infer images, and the ones IRN trains on (--irn_ids)
    labels = load_cls_labels(args.cls_labels, ids)
    rows = selected_rows(args)
    total = 0
    for row in rows:
        checkpoint = layout.checkpoint_of(args, row)
        net, _ = load_cam_net(checkpoint, device)
        set_amp(net, args.amp)
        net.requires_grad_(False)  # AdvCAM needs gradients for the image only
        method = seed_method_of(row)
        made_from = {"method": method, **amp_record(args), **rerun.fingerprints({"checkpoint": checkpoint, "data": args.list_dir,
                                                             "cls_labels": args.cls_labels})}
        if method == "advcam":
            maps_of = advcam_pair_maps(net, args)
            made_from.update({k: getattr(args, k) for k in ADVCAM_FLAGS})
        else:
            maps_of = cam_pair_maps(net)
        out_dir = layout.cam_dir(args, row, rows)
        start = time.time()
        written = make_cams(net, ids, layout.image_dir(args.voc12_root), labels, args.cam_scales,
                            out_dir, device, args.overwrite, maps_of, made_from, args.resize_kernel,
                            args.cam_high_res_dtype, args.num_workers)
        seconds, total = time.time() - start, total + written
        log.info("%s: %d %s seeds written to %s (%.3f s per image)", row, written, method, out_dir,
                 seconds / max(written, 1))
        if written and distributed.is_main():
            io_utils.save_json(layout.seed_timing(args, row),
                               {"method": method, "checkpoint": made_from["checkpoint"], "images": written,
                                "processes": distributed.world_size(),  # seconds: the job's wall time
                                "seconds": round(seconds, 1),
                                "seconds_per_image": round(seconds / written, 4), "device": str(device)})
    return None if total else rerun.SKIPPED
