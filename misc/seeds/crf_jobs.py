"""One image's dense-CRF job for the CRF pool (steps 6, 7 and 12; misc/seeds/crf_pool.py).

Each `spawn`ed worker imports the module of the function it runs. These functions live here,
beside numpy, PIL and pydensecrf only, so that a worker starts in ~0.1 s; from a step's module
it imported torch and the step's networks first (~2 s a worker, a pool per row and step).
"""
import os

import numpy as np

from misc import io_utils
from misc.images import IGNORE_LABEL, find_mask_path, load_rgb, voc_palette
from misc.metrics import confusion_matrix
from misc.seeds.crf import crf_refine_probs, crf_seed


def crf_seed_confusion(job):
    """Step 6: one image's confusion matrix of its CRF-refined seed (Table 2's "+CRF")."""
    image_id, image_dir, cam_folder, voc_root, num_classes, threshold = job
    cam = io_utils.load_cam_dict(os.path.join(cam_folder, image_id + ".npy"))
    seed = crf_seed(load_rgb(image_dir, image_id), cam["high_res"], cam["keys"], threshold)
    return confusion_matrix(seed, io_utils.load_label_png(find_mask_path(voc_root, image_id)), num_classes)


def ir_label(rgb, high_res, keys, fg_thres, bg_thres):
    """(H, W) uint8: class where the CRF-refined high-threshold seed says so, 0 where the
    CRF-refined low-threshold seed says background, 255 in between (IRN's cam_to_ir_label)."""
    fg = crf_seed(rgb, high_res, keys, fg_thres)
    bg = crf_seed(rgb, high_res, keys, bg_thres)
    label = fg.astype(np.uint8)
    label[fg == 0] = IGNORE_LABEL
    label[(fg == 0) & (bg == 0)] = 0
    return label


def write_ir_label(job):
    """Step 7: one image's IR label, written as a palette PNG; returns the id."""
    image_id, image_dir, cam_folder, out_path, fg_thres, bg_thres = job
    cam = io_utils.load_cam_dict(os.path.join(cam_folder, image_id + ".npy"))
    label = ir_label(load_rgb(image_dir, image_id), cam["high_res"], cam["keys"], fg_thres, bg_thres)
    io_utils.save_label_png(out_path, label, voc_palette())
    return image_id


def crf_labels(job):
    """Step 12: the CRF protocol's labels of one image from its msf probabilities."""
    rgb, msf = job
    return crf_refine_probs(rgb, msf).argmax(0).astype(np.uint8)
