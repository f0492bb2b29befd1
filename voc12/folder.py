"""A user's own data set (`--dataset folder --folder_root F`): their classes, their images.

    F/class_names.txt     one class name per line; line k is label k (1-based; 0 is background)
    F/labels.csv          header `image,labels`; labels are class names joined by ';'
                          (cat_001,cat;dog). Every listed image needs at least one class.
    F/images/<id>.<ext>   .jpg, .jpeg, .png, .bmp or .webp
    F/train.txt, val.txt  image ids, one a line (train: the classifiers' and seeds' images;
                          val: the segmentation network's evaluation)
    F/masks/<id>.png      optional ground truth: a palette or grey PNG of class indices (0 background,
                          k class k, 255 ignore), as VOC's SegmentationClass. Without it the
                          evaluation steps say they are skipped; every other step runs.
    F/ood/                optional candidate OoD pool (the default --ood_root): JPEGImages/ or
                          the images themselves, and candidates.txt

Step 0 reads it into the VOC-format view of voc12/view.py (links to the images, the masks
copied as written), which every later step reads.
"""
import csv
import os

import numpy as np

from misc.chain import rerun
from misc.chain.errors import BadInput, MissingInput
from misc.images import IGNORE_LABEL, IMAGE_EXTENSIONS
from misc.io_utils import load_label_png, read_ids, read_lines
from voc12 import view

CLASS_FILE, LABEL_FILE, IMAGE_DIR, MASK_DIR = "class_names.txt", "labels.csv", "images", "masks"


MAX_CLASSES = 254  # masks are 8-bit: 0 background, 1..254 classes, 255 ignore


def read_class_names(root):
    path = os.path.join(root, CLASS_FILE)
    names = read_lines(path, "class names")
    if not names:
        raise BadInput(f"{path} is empty: it needs one class name a line (line k is label k)")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise BadInput(f"{path} names {repeated} more than once")
    if len(names) > MAX_CLASSES:
        raise BadInput(f"{path} names {len(names)} classes: at most {MAX_CLASSES} fit the 8-bit masks")
    return names


def _check_id(path, line, image_id):
    """An id names a file inside images/: no folders, no '..'."""
    if not image_id or "/" in image_id or "\\" in image_id or image_id in (".", ".."):
        raise BadInput(f"{path} line {line}: {image_id!r} is not an image id (a file name in images/ without "
                       f"extension, no folders)")


def read_labels(root, class_names):
    """{id: multi-hot (C,) float32} from labels.csv; an unknown class or an empty row is an error
    naming the file, the line and the fix."""
    path = os.path.join(root, LABEL_FILE)
    if not os.path.isfile(path):
        raise MissingInput(f"image-level label file not found: {path} (header `image,labels`, labels joined by ';')")
    index_of = {name: k for k, name in enumerate(class_names)}
    labels = {}
    with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: a spreadsheet's byte-order mark
        rows = csv.reader(f)
        header = [h.strip() for h in next(rows, [])]
        if header != ["image", "labels"]:
            raise BadInput(f"{path}: the first line must be the header `image,labels`, got {','.join(header)!r}")
        for line, row in enumerate(rows, start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) > 2:
                raise BadInput(f"{path} line {line}: {len(row)} columns; join an image's classes with ';' "
                               f"(cat_001,cat;dog), not ','")
            image_id, names = row[0].strip(), [n.strip() for n in (row[1] if len(row) > 1 else "").split(";")]
            _check_id(path, line, image_id)
            if image_id in labels:
                raise BadInput(f"{path} line {line}: image {image_id!r} has a row already; give each image one row")
            names = [n for n in names if n]
            if not names:
                raise BadInput(f"{path} line {line}: image {image_id!r} has no class; every image needs at least one")
            unknown = [n for n in names if n not in index_of]
            if unknown:
                raise BadInput(f"{path} line {line}: class {unknown[0]!r} of image {image_id!r} is not in "
                               f"{os.path.join(root, CLASS_FILE)}")
            label = np.zeros(len(class_names), np.float32)
            label[[index_of[n] for n in names]] = 1.0
            labels[image_id] = label
    return labels


def find_image(root, image_id):
    for ext in IMAGE_EXTENSIONS + tuple(e.upper() for e in IMAGE_EXTENSIONS):
        path = os.path.join(root, IMAGE_DIR, image_id + ext)
        if os.path.isfile(path):
            return path
    raise MissingInput(f"image of id {image_id!r} not found: {os.path.join(root, IMAGE_DIR, image_id)}"
                       f"{{{','.join(IMAGE_EXTENSIONS)}}}")


def _checked_mask(path, num_classes):
    mask = load_label_png(path)
    bad = np.unique(mask[(mask > num_classes) & (mask != IGNORE_LABEL)])
    if bad.size:
        raise BadInput(f"mask {path} holds class {int(bad[0])}: the class file names {num_classes} classes "
                       f"(values 0..{num_classes} and {IGNORE_LABEL} only)")
    return mask


def made_from(root):
    """The folder's files that shape the view: the class file, labels and lists by checksum, the
    images and masks by their folders' listings."""
    record = {name: rerun.fingerprint(os.path.join(root, name)) for name in (CLASS_FILE, LABEL_FILE, "train.txt", "val.txt")}
    record.update(images=rerun.listing_fingerprint(os.path.join(root, IMAGE_DIR)), root=os.path.abspath(root))
    masks = os.path.join(root, MASK_DIR)
    record["masks"] = rerun.listing_fingerprint(masks) if os.path.isdir(masks) else None
    return record


def build_view(root, view_root, overwrite=False):
    """Read the folder, check it, and write its VOC-format view; returns (class names, splits, labels)."""
    if not os.path.isdir(root):
        raise MissingInput(f"data set folder not found: {root} (--folder_root)")
    record = made_from(root)
    if not overwrite and view.is_complete(view_root, record):
        return view.read_view(view_root)
    class_names = read_class_names(root)
    labels = read_labels(root, class_names)
    splits = {s: read_ids(os.path.join(root, f"{s}.txt"), f"{s} list") for s in ("train", "val")}
    for split, ids in splits.items():
        missing = [i for i in ids if i not in labels]
        if missing:
            raise BadInput(f"{len(missing)} ids of {os.path.join(root, split + '.txt')} have no row in "
                           f"{os.path.join(root, LABEL_FILE)}, e.g. {missing[0]!r}: every image needs its classes")
    ids = sorted(set(splits["train"]) | set(splits["val"]))
    images = {image_id: find_image(root, image_id) for image_id in ids}  # every check before the view opens
    masks = {image_id: os.path.join(root, MASK_DIR, image_id + ".png") for image_id in ids}
    masks = {image_id: path for image_id, path in masks.items() if os.path.isfile(path)}
    for path in masks.values():
        _checked_mask(path, len(class_names))
    view.open_view(view_root, record, f"the folder {root}", overwrite)
    for image_id in ids:
        view.link_image(images[image_id], view_root, image_id)
        if image_id in masks:
            view.link_file(masks[image_id], view.mask_path(view_root, image_id))
    view.close_view(view_root, record, class_names, splits, {i: labels[i] for i in ids})
    return class_names, splits, {i: labels[i] for i in ids}
