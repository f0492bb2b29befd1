"""Step 5: multi-scale + flip CAMs for the labelled classes, saved in IRN's .npy format.

For each image and scale s in --cam_scales, the ReLU'd class maps of the image and its flip are
summed, resized to stride 4 (`cam`) and to full size (`high_res`), summed over scales, kept for
the image's labelled classes and divided by each map's max. One file per image,
<cam_dir>/<id>.npy = {"keys": (K,) 0-based classes, "cam": (K, H/4, W/4), "high_res": (K, H, W)}.
Finished images are skipped unless --overwrite true, so a killed run resumes.
"""
import logging
import math
import os

import torch
import torch.nn.functional as F
from tqdm import tqdm

from misc import io_utils
from misc.run_models import cam_dir, checkpoint_of, selected_models
from misc.torchutils import resolve_device
from net.factory import load_cam_net
from voc12.datasets import MultiScaleDataset
from voc12.voc_lists import load_cls_labels

log = logging.getLogger(__name__)


@torch.no_grad()
def multiscale_cam(net, pyramid, size, keys, output_stride):
    """pyramid: list of (2, 3, h_s, w_s) image+flip tensors; size: (H, W); keys: (K,) classes.

    Returns (cam (K, ceil(H/4), ceil(W/4)), high_res (K, H, W)), each map divided by its max.
    """
    H, W = size
    strided = (math.ceil(H / 4), math.ceil(W / 4))
    # Upsample to a multiple of the output stride, then crop: the feature grid stays aligned.
    up = (math.ceil(H / output_stride) * output_stride, math.ceil(W / output_stride) * output_stride)
    cam_sum, high_sum = 0.0, 0.0
    for pair in pyramid:
        maps = net.class_maps(pair)
        maps = (maps[0] + maps[1].flip(-1))[keys].unsqueeze(0)
        cam_sum = cam_sum + F.interpolate(maps, strided, mode="bilinear", align_corners=False)[0]
        high_sum = high_sum + F.interpolate(maps, up, mode="bilinear", align_corners=False)[0, :, :H, :W]
    cam_sum = cam_sum / (cam_sum.amax(dim=(1, 2), keepdim=True) + 1e-5)
    high_sum = high_sum / (high_sum.amax(dim=(1, 2), keepdim=True) + 1e-5)
    return cam_sum, high_sum


def make_cams(net, ids, image_dir, labels, scales, out_dir, device, overwrite):
    """Write one CAM file per id; returns the number written (skipped ones excluded)."""
    todo = [i for i in ids if overwrite or not os.path.isfile(os.path.join(out_dir, i + ".npy"))]
    if len(todo) < len(ids):
        log.info("%d of %d CAMs already in %s, making the other %d", len(ids) - len(todo), len(ids), out_dir, len(todo))
    dataset = MultiScaleDataset(todo, image_dir, labels, scales)
    for index in tqdm(range(len(dataset)), desc=f"make_cam {os.path.basename(os.path.dirname(out_dir))}", leave=False):
        pack = dataset[index]
        keys = torch.nonzero(pack["label"])[:, 0]
        pyramid = [p.to(device) for p in pack["img"]]
        cam, high_res = multiscale_cam(net, pyramid, pack["size"], keys.to(device), net.backbone.output_stride)
        io_utils.save_npy(os.path.join(out_dir, pack["name"] + ".npy"),
                          {"keys": keys.numpy(), "cam": cam.cpu().numpy(), "high_res": high_res.cpu().numpy()})
    return len(todo)


def run(args):
    device = resolve_device(args.device)
    ids = io_utils.read_lines(args.infer_list, "infer list")
    labels = load_cls_labels(args.cls_labels, ids)
    models = selected_models(args)
    for model in models:
        net, _ = load_cam_net(checkpoint_of(args, model), device)
        out_dir = cam_dir(args, model, models)
        written = make_cams(net, ids, os.path.join(args.voc12_root, "JPEGImages"), labels, args.cam_scales,
                            out_dir, device, args.overwrite)
        log.info("%s: %d CAMs written to %s", model, written, out_dir)
