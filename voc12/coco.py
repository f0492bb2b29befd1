"""MS COCO 2014 for weakly supervised segmentation (`--dataset coco --coco_root C`): an extension,
the paper reports VOC only.

Reads the official release as it unpacks:

    C/annotations/instances_train2014.json, instances_val2014.json
    C/train2014/COCO_train2014_<12 digits>.jpg, C/val2014/COCO_val2014_<12 digits>.jpg

and writes its VOC-format view (voc12/view.py): ids are the file names without extension, labels
and masks come from the instance annotations through pycocotools (`COCO.annToMask`, which
decodes polygons, RLE and crowd RLE alike). The protocol of IRN-style COCO work (see
docs/beyond_voc.md for its sources):
- classes: the 80 categories in increasing category id (1..90 with gaps) are labels 1..80, in
  that order; 0 is background;
- images: those with at least one annotation (train2014: 82,081 of 82,783; val2014: 40,137 of
  40,504); an image with none has no image-level label and is left out;
- image-level label: every category of the image's annotations, crowd ones included;
- mask: the non-crowd annotations painted in the file's order, a later one over an earlier one
  where they overlap; crowd regions stay background (`--coco_crowd ignore`: 255 instead).
The masks follow the one conversion script the references ship, ReCAM's mscoco/annToMask.py
(zhaozhengChen/ReCAM 16e34b8; CLIMS carries the same file); the labelled image set is L2G's
data/coco14/train_cls.txt and val_cls.txt (82,081 and 40,137 ids). ReCAM keeps all 82,783
train images and scores an unlabelled one as all background.
Seeds and pseudo-masks are evaluated on train2014 (the infer list), the segmentation network on
val2014.
"""
import contextlib
import io
import os

import numpy as np

from misc.chain import rerun
from misc.chain.errors import BadInput, MissingInput
from misc.chain.progress import progress
from misc.images import IGNORE_LABEL, voc_palette
from misc.io_utils import save_label_png
from voc12 import view

SPLITS = {"train": "train2014", "val": "val2014"}


def annotation_path(coco_root, split):
    return os.path.join(coco_root, "annotations", f"instances_{SPLITS[split]}.json")


def load(coco_root, split):
    """pycocotools' COCO of a split; its loading chatter goes to the log, not the terminal."""
    from pycocotools.coco import COCO

    path = annotation_path(coco_root, split)
    if not os.path.isfile(path):
        raise MissingInput(f"COCO annotation file not found: {path} (the official annotations_trainval2014.zip "
                           f"unpacked into --coco_root)")
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            return COCO(path)
        except (ValueError, KeyError, TypeError) as err:
            raise BadInput(f"{path} is not a COCO instance annotation file: {err}") from err


def class_order(categories):
    """(names, {category id: label 1..C}): categories in increasing id, labels in that order."""
    if not categories:
        raise BadInput("the annotation file lists no categories")
    ordered = sorted(categories, key=lambda c: c["id"])
    return [c["name"] for c in ordered], {c["id"]: k for k, c in enumerate(ordered, start=1)}


def image_key(file_name):
    """The id of an image: its file name without folder and extension (COCO_train2014_000000000009)."""
    return os.path.splitext(os.path.basename(file_name))[0]


def image_label(annotations, label_of, num_classes):
    """Multi-hot (C,) float32: every category among the image's annotations."""
    label = np.zeros(num_classes, np.float32)
    for ann in annotations:
        label[label_of[ann["category_id"]] - 1] = 1.0
    return label


def semantic_mask(coco, info, annotations, label_of, crowd="background"):
    """HxW uint8: 0 background, label k where a non-crowd annotation of class k lies, painted in
    the file's order (a later one wins an overlap), as ReCAM's annToMask.py. Crowd regions
    (iscrowd 1) stay background; with crowd="ignore" they are 255 first, so an instance painted
    over them keeps its class."""
    mask = np.zeros((info["height"], info["width"]), np.uint8)
    if crowd == "ignore":
        for ann in annotations:
            if ann.get("iscrowd", 0):
                mask[coco.annToMask(ann).astype(bool)] = IGNORE_LABEL
    for ann in annotations:
        if not ann.get("iscrowd", 0):
            mask[coco.annToMask(ann).astype(bool)] = label_of[ann["category_id"]]
    return mask


MASK_RULE = 1  # bump when semantic_mask changes, so views made by the old rule are remade


def made_from(coco_root, crowd="background"):
    """What the view is made from: the annotation files (by checksum: they name every image and
    instance), the crowd rule and the mask rule's version, and where the images are (the view
    links to them). Not the images' listing: copying the data without their times, or touching
    them, must not remake a chain with hundreds of GB of CAM files."""
    return {"crowd": crowd, "mask_rule": MASK_RULE, "root": os.path.abspath(coco_root),
            "annotations": {split: rerun.fingerprint(annotation_path(coco_root, split)) for split in SPLITS}}


def build_view(coco_root, view_root, overwrite=False, crowd="background"):
    """COCO's two splits as a VOC-format view; returns (class names, splits, labels)."""
    if not os.path.isdir(coco_root):
        raise MissingInput(f"COCO folder not found: {coco_root} (--coco_root)")
    for folder in SPLITS.values():
        if not os.path.isdir(os.path.join(coco_root, folder)):
            raise MissingInput(f"COCO image folder not found: {os.path.join(coco_root, folder)} "
                               f"(the official {folder}.zip unpacked into --coco_root)")
    record = made_from(coco_root, crowd)
    if not overwrite and view.is_complete(view_root, record):
        return view.read_view(view_root)
    view.open_view(view_root, record, f"COCO in {coco_root}", overwrite)
    palette, class_names, splits, labels = voc_palette(), None, {}, {}
    for split, folder in SPLITS.items():
        coco = load(coco_root, split)
        names, label_of = class_order(coco.loadCats(coco.getCatIds()))
        if class_names is not None and names != class_names:
            raise BadInput(f"{annotation_path(coco_root, split)} lists other categories than "
                           f"{annotation_path(coco_root, 'train')}")
        class_names, splits[split] = names, []
        for image_id in progress(sorted(coco.getImgIds()), desc=f"COCO {folder} masks", leave=False):
            info = coco.loadImgs(image_id)[0]
            annotations = coco.loadAnns(coco.getAnnIds(imgIds=image_id, iscrowd=None))
            if not annotations:  # no image-level label: outside the protocol's image set
                continue
            key, source = image_key(info["file_name"]), os.path.join(coco_root, folder, info["file_name"])
            if key in labels:
                raise BadInput(f"{annotation_path(coco_root, split)}: two images are named {key} (ids are file "
                               f"names without folder and extension)")
            if not os.path.isfile(source):
                raise MissingInput(f"image {source} of {annotation_path(coco_root, split)} not found (the official "
                                   f"{folder}.zip, wholly unpacked into --coco_root)")
            splits[split].append(key)
            labels[key] = image_label(annotations, label_of, len(class_names))
            view.link_image(source, view_root, key)
            target = view.mask_path(view_root, key)
            if not os.path.isfile(target):  # a resumed view keeps the masks it has
                save_label_png(target, semantic_mask(coco, info, annotations, label_of, crowd), palette)
        splits[split].sort()
    view.close_view(view_root, record, class_names, splits, labels)
    return class_names, splits, labels
