"""Datasets: classification training (IRN's augmentation), multi-scale inference, ground truth.

Images are read from `<image_dir>/<id>.jpg`; a missing or unreadable file raises an error that
names it. Tensors are CHW float32, ImageNet-normalised.
"""

import numpy as np
import torch
from torch.utils.data import Dataset

from misc import imutils, io_utils
from misc.chain import layout
from misc.chain.errors import UnknownId
from misc.images import load_rgb  # noqa: F401  (re-exported)
from misc.io_utils import load_label_png
from misc.torchutils import make_loader
from voc12.voc_lists import find_mask_path, load_cls_labels


class ClassificationDataset(Dataset):
    """(image, multi-hot label) with random resize-long, flip, crop, as IRN trains its CAM net.

    `labels=None` gives every image the all-zero label (the OoD term of Eq. 3).
    """

    def __init__(self, ids, image_dir, labels, num_classes, resize_long=(320, 640), crop_size=512,
                 hor_flip=True, kernel="cv2_bilinear"):
        self.ids, self.image_dir, self.labels = list(ids), image_dir, labels
        self.num_classes, self.resize_long, self.crop_size, self.hor_flip = num_classes, resize_long, crop_size, hor_flip
        self.kernel = kernel

    def __len__(self):
        return len(self.ids)

    def label_of(self, image_id):
        if self.labels is None:
            return np.zeros(self.num_classes, np.float32)
        if image_id not in self.labels:
            raise UnknownId(f"id '{image_id}' has no class label")
        return self.labels[image_id]

    def __getitem__(self, index):
        image_id = self.ids[index]
        img = load_rgb(self.image_dir, image_id)
        rng = np.random  # seeded per worker by torch's DataLoader
        if self.resize_long:
            img = imutils.random_resize_long(img, *self.resize_long, rng, self.kernel)
        if self.hor_flip and rng.random() < 0.5:
            img = img[:, ::-1]
        img = imutils.normalize(img)
        if self.crop_size:
            img = imutils.random_crop(img, self.crop_size, rng)
        return {"name": image_id, "img": torch.from_numpy(imutils.hwc_to_chw(img)),
                "label": torch.from_numpy(self.label_of(image_id))}


class MultiScaleDataset(Dataset):
    """Each image at several scales, each stacked with its horizontal flip: (2, 3, h_s, w_s)."""

    def __init__(self, ids, image_dir, labels, scales=(1.0, 0.5, 1.5, 2.0), kernel="cv2_bilinear"):
        self.ids, self.image_dir, self.labels, self.scales = list(ids), image_dir, labels, scales
        self.kernel = kernel

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        image_id = self.ids[index]
        img = load_rgb(self.image_dir, image_id)
        pyramid = []
        for scale in self.scales:
            scaled = img if scale == 1.0 else imutils.rescale(img, scale, self.kernel)
            chw = imutils.hwc_to_chw(imutils.normalize(scaled))
            pyramid.append(torch.from_numpy(np.stack([chw, chw[:, :, ::-1].copy()])))
        return {"name": image_id, "img": pyramid, "size": img.shape[:2],
                "label": torch.from_numpy(self.labels[image_id])}


def load_gt_mask(voc_root, image_id):
    """HxW uint8 ground truth from SegmentationClassAug or SegmentationClass."""
    return load_label_png(find_mask_path(voc_root, image_id))


def in_distribution_loaders(args, num_classes):
    """(train loader with IRN augmentation, val loader without) over --train_list / --val_list."""
    train_ids = io_utils.read_ids(args.train_list, "train list")
    val_ids = io_utils.read_ids(args.val_list, "val list")
    labels = load_cls_labels(args.cls_labels, train_ids + val_ids)
    image_dir = layout.image_dir(args.voc12_root)
    train_set = ClassificationDataset(train_ids, image_dir, labels, num_classes, tuple(args.cam_resize_long),
                                      args.cam_crop_size, hor_flip=True, kernel=args.resize_kernel)
    val_set = ClassificationDataset(val_ids, image_dir, labels, num_classes, None, args.cam_crop_size, hor_flip=False)
    train_loader = make_loader(train_set, args.cam_batch_size, True, args.seed, args.num_workers, drop_last=True)
    val_loader = make_loader(val_set, args.cam_batch_size, False, args.seed, args.num_workers)
    return train_loader, val_loader
