"""List files and image-level labels from a VOC2012 devkit (+ SBD), as IRN prepares them.

train_aug = (SBD train + SBD val + VOC seg train) - VOC seg val: 10,582 ids on the real data.
Labels come from the VOC XML annotations (every <object><name>) or from segmentation masks
(the classes present in SegmentationClassAug / SegmentationClass, ignoring 0 and 255).
"""
import os
import xml.etree.ElementTree as ET

import numpy as np
from PIL import Image

from misc.chain.errors import BadInput, MissingInput, UnknownId
from misc.images import find_mask_path  # noqa: F401  (re-exported)
from misc.io_utils import load_label_png, load_npy, read_ids
from voc12.classes import IGNORE_LABEL


def seg_list_path(voc_root, split):
    return os.path.join(voc_root, "ImageSets", "Segmentation", f"{split}.txt")


def require_dir(path, what):
    if not os.path.isdir(path):
        raise MissingInput(f"{what} not found: {path}")
    return path


def build_train_aug(voc_root, sbd_root):
    """Sorted ids of (SBD train + SBD val + VOC seg train) minus VOC seg val."""
    voc_train = read_ids(seg_list_path(voc_root, "train"), "VOC segmentation train list")
    voc_val = set(read_ids(seg_list_path(voc_root, "val"), "VOC segmentation val list"))
    sbd = []
    for split in ("train", "val"):
        sbd += read_ids(os.path.join(sbd_root, f"{split}.txt"), f"SBD {split} list")
    return sorted(set(sbd + voc_train) - voc_val)


def labels_from_xml(voc_root, image_id, class_names):
    """Multi-hot (C,) float32 from Annotations/<id>.xml (every object's name)."""
    path = os.path.join(voc_root, "Annotations", image_id + ".xml")
    if not os.path.isfile(path):
        raise MissingInput(f"annotation for id '{image_id}' not found: {path}")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise BadInput(f"cannot parse annotation {path}: {err}") from err
    label = np.zeros(len(class_names), np.float32)
    for obj in root.findall("object"):
        name = obj.findtext("name", "").strip()
        if name in class_names:
            label[class_names.index(name)] = 1.0
    return label


def labels_from_mask(voc_root, image_id, num_classes):
    """Multi-hot (C,) float32 of the classes present in the id's mask."""
    mask = load_label_png(find_mask_path(voc_root, image_id))
    values = np.unique(mask)
    values = values[(values > 0) & (values != IGNORE_LABEL)]
    if values.size and values.max() > num_classes:
        raise BadInput(f"mask of '{image_id}' holds class {values.max()} > {num_classes} classes")
    label = np.zeros(num_classes, np.float32)
    label[values.astype(int) - 1] = 1.0
    return label


def build_cls_labels(voc_root, ids, class_names, source):
    """{id: multi-hot (C,)} for every id, from "xml" or "mask"."""
    if source == "xml":
        return {i: labels_from_xml(voc_root, i, class_names) for i in ids}
    if source == "mask":
        return {i: labels_from_mask(voc_root, i, len(class_names)) for i in ids}
    raise BadInput(f"unknown label source '{source}' (use xml or mask)")


def load_cls_labels(path, ids=None):
    """Read the {id: multi-hot} dict; with `ids`, check every id has a label."""
    if not os.path.isfile(path):
        raise MissingInput(f"class label file not found: {path} (run step 0, prepare_data)")
    labels = load_npy(path, "class label file")
    for image_id in ids or ():
        if image_id not in labels:
            raise UnknownId(f"id '{image_id}' has no class label in {path}")
    return labels


def check_mask_sizes(voc_root, ids):
    """Every ground-truth mask among `ids` has its image's size (header reads only), so a wrong
    mask stops step 0, not the evaluation after hours of training. Ids without a mask are skipped
    (train_aug's SBD-only images have none unless SegmentationClassAug is there)."""
    wrong = []
    for image_id in ids:
        try:
            mask_path = find_mask_path(voc_root, image_id)
        except FileNotFoundError:
            continue
        image_path = os.path.join(voc_root, "JPEGImages", image_id + ".jpg")
        if not os.path.isfile(image_path):  # a missing image is the image readers' error, with its id
            continue
        try:
            with Image.open(image_path) as image, Image.open(mask_path) as mask:
                image_size, mask_size = image.size, mask.size
        except OSError as err:
            raise BadInput(f"cannot read the size of {image_path} or {mask_path}: {err}") from None
        if image_size != mask_size:
            wrong.append(f"{mask_path} is {mask_size[0]}x{mask_size[1]}, its image {image_size[0]}x{image_size[1]}")
    if wrong:
        raise BadInput(f"{len(wrong)} ground-truth masks differ in size from their images (first: "
                       f"{'; '.join(wrong[:3])}); fix or remove those masks in {voc_root}")
