"""Training samples of the segmentation network (Table 3): image and mask augmented alike.

As deeplab-pytorch's VOC training (libs/datasets/base.py _augmentation): a scale drawn from
--seg_train_scales (VOC: 0.5, 0.75, 1.0, 1.25, 1.5; image bilinear, mask nearest), padded to the
crop with the mean (0 after normalising) and the ignore label 255, a random crop, a random flip.
Masks come from a folder of palette PNGs (step 9's pseudo-masks) or from the ground truth (the
fully supervised upper bound); 255 in a mask is ignored by the loss.
"""
import os

import numpy as np
import torch
from torch.utils.data import Dataset

from misc import imutils
from misc.chain.errors import BadInput
from misc.images import IGNORE_LABEL, load_rgb
from misc.io_utils import load_label_png


class SegTrainDataset(Dataset):
    def __init__(self, ids, image_dir, mask_of, crop_size, scales, kernel="cv2_bilinear"):
        """mask_of(id) -> (H, W) uint8 mask of the image."""
        self.ids, self.image_dir, self.mask_of = list(ids), image_dir, mask_of
        self.crop_size, self.scales, self.kernel = crop_size, tuple(scales), kernel

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        image_id = self.ids[index]
        img, mask = load_rgb(self.image_dir, image_id), self.mask_of(image_id)
        if img.shape[:2] != mask.shape:
            raise BadInput(f"mask of '{image_id}' is {mask.shape}, its image {img.shape[:2]}")
        rng = np.random  # seeded per epoch (misc/chain/engine.py)
        size = imutils.scaled_size(img.shape, self.scales[rng.randint(len(self.scales))])
        img, mask = imutils.resize(img, size, self.kernel), imutils.resize(mask, size, "nearest")
        img, mask = imutils.flip_crop_pair(img, mask, self.crop_size, rng, IGNORE_LABEL)
        return {"name": image_id, "img": torch.from_numpy(imutils.hwc_to_chw(img)),
                "mask": torch.from_numpy(mask.astype(np.int64))}


def mask_folder(folder):
    """mask_of for a folder of <id>.png label maps."""
    return lambda image_id: load_label_png(os.path.join(folder, image_id + ".png"))
