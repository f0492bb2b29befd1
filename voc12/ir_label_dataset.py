"""IRN training samples: augmented image, its IR label on the stride-4 grid, and pair labels."""
import math
import os

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from misc import imutils
from misc.io_utils import load_label_png
from misc.path_index import affinity_labels
from voc12.classes import IGNORE_LABEL
from voc12.datasets import load_rgb


class IRLabelDataset(Dataset):
    """Random resize-long, flip and crop applied to image and label alike (label padded with 255),
    the label then taken to the stride-4 grid (nearest) and turned into IRN's pair masks."""

    def __init__(self, ids, image_dir, label_dir, radius, resize_long, crop_size):
        self.ids, self.image_dir, self.label_dir = list(ids), image_dir, label_dir
        self.radius, self.resize_long, self.crop_size = radius, resize_long, crop_size

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        image_id = self.ids[index]
        img = load_rgb(self.image_dir, image_id)
        label = load_label_png(os.path.join(self.label_dir, image_id + ".png"))
        rng = np.random
        scale = rng.randint(self.resize_long[0], self.resize_long[1] + 1) / max(img.shape[:2])
        img = imutils.rescale(img, scale)
        label = cv2.resize(label, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_NEAREST)
        if rng.random() < 0.5:
            img, label = img[:, ::-1], label[:, ::-1]
        stacked = np.concatenate([imutils.normalize(img), label[..., None].astype(np.float32)], 2)
        fill = np.zeros(4, np.float32)
        fill[3] = IGNORE_LABEL
        cropped = imutils.random_crop(stacked, self.crop_size, rng, fill=fill)
        img, label = cropped[..., :3], cropped[..., 3].astype(np.uint8)
        small = math.ceil(self.crop_size / 4)
        label = cv2.resize(label, (small, small), interpolation=cv2.INTER_NEAREST)
        bg_pos, fg_pos, neg = affinity_labels(label, self.radius)
        return {"name": image_id, "img": torch.from_numpy(imutils.hwc_to_chw(img)),
                "bg_pos": bg_pos, "fg_pos": fg_pos, "neg": neg}

