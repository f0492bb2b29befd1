"""IRN training samples: augmented image, its IR label on the stride-4 grid, and pair labels.

As IRN's VOC12AffinityDataset (voc12/dataloader.py) with the `voc` preset's flags:
- augmentation (`--irn_augment`): `scale`, a random scale uniform in --irn_scale_range (IRN:
  0.5-1.5; image by --resize_kernel, label nearest, sizes rounded); `resize_long`, the long side
  uniform in --irn_resize_long (this project's earlier augmentation);
- then a random flip and a random crop (image padded with 0 = the mean after normalising, label
  with 255);
- the label onto the stride-4 grid (`--irn_label_sampling`): `centre`, PIL's nearest resize by
  1/4 as IRN (pil_rescale(label, 0.25, 0)), which reads the pixel at the cell centre (4i + 2);
  `corner`, the pixel at 4i (cv2 nearest, the earlier rule: a 2-pixel shift);
- pair labels from the sources of `--irn_pair_sources` (misc/path_index.affinity_labels).
"""
import os

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from misc import imutils
from misc.chain.errors import BadInput
from misc.io_utils import load_label_png
from misc.seeds.path_index import affinity_labels
from voc12.classes import IGNORE_LABEL
from voc12.datasets import load_rgb

AUGMENTS = ("scale", "resize_long")
LABEL_SAMPLINGS = ("centre", "corner")


def label_on_grid(label, sampling="centre"):
    """(H, W) label -> its stride-4 grid (round(H/4), round(W/4)), nearest at the cell centre or corner."""
    size = imutils.scaled_size(label.shape, 0.25)
    if sampling == "centre":
        return imutils.resize(label, size, "nearest")
    if sampling == "corner":
        return cv2.resize(np.ascontiguousarray(label), (size[1], size[0]), interpolation=cv2.INTER_NEAREST)
    raise BadInput(f"unknown label sampling '{sampling}' (use {' or '.join(LABEL_SAMPLINGS)})")


class IRLabelDataset(Dataset):
    """Image and IR label augmented alike (see the module doc), then IRN's pair masks."""

    def __init__(self, ids, image_dir, label_dir, radius, resize_long, crop_size, augment="resize_long",
                 scale_range=(0.5, 1.5), kernel="cv2_bilinear", label_sampling="centre", pair_sources="interior",
                 pair_masks=True):
        if augment not in AUGMENTS:
            raise BadInput(f"unknown IRN augmentation '{augment}' (use {' or '.join(AUGMENTS)})")
        self.ids, self.image_dir, self.label_dir = list(ids), image_dir, label_dir
        self.radius, self.resize_long, self.crop_size = radius, resize_long, crop_size
        self.augment, self.scale_range, self.kernel = augment, scale_range, kernel
        self.label_sampling, self.pair_sources, self.pair_masks = label_sampling, pair_sources, pair_masks

    def __len__(self):
        return len(self.ids)

    def random_scale(self, img, rng):
        if self.augment == "scale":
            low, high = self.scale_range
            return low + rng.random() * (high - low)
        return rng.randint(self.resize_long[0], self.resize_long[1] + 1) / max(img.shape[:2])

    def __getitem__(self, index):
        image_id = self.ids[index]
        img = load_rgb(self.image_dir, image_id)
        label = load_label_png(os.path.join(self.label_dir, image_id + ".png"))
        rng = np.random  # seeded per epoch and worker (misc/chain/engine.py, misc/torchutils.py)
        size = imutils.scaled_size(img.shape, self.random_scale(img, rng))
        img, label = imutils.resize(img, size, self.kernel), imutils.resize(label, size, "nearest")
        img, label = imutils.flip_crop_pair(img, label, self.crop_size, rng, IGNORE_LABEL)
        label = label_on_grid(label, self.label_sampling)
        sample = {"name": image_id, "img": torch.from_numpy(imutils.hwc_to_chw(img)),
                  "label": torch.from_numpy(np.array(label, np.uint8))}  # the stride-4 grid (a writable copy)
        if self.pair_masks:  # else step 8 builds them on its device (batch_affinity_labels)
            sample["bg_pos"], sample["fg_pos"], sample["neg"] = affinity_labels(label, self.radius,
                                                                                sources=self.pair_sources)
        return sample
