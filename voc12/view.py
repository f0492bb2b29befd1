"""A VOC-format view of a data set kept in another layout (MS COCO, a user's folder).

Step 0 writes it; every later step reads it as it reads a VOC devkit (`--voc12_root`):

    <view>/JPEGImages/<id>.jpg            a link to the original image (any format PIL reads);
                                          a copy where the file system has no links
    <view>/SegmentationClass/<id>.png     the ground-truth mask, where the data set has masks
    <view>/ImageSets/Segmentation/{train,val}.txt
    <view>/class_names.txt, cls_labels.npy
    <view>/view.json                      what the view is made from, and whether it is complete

view.json is written first with "complete": false and rewritten with true at the end. A rerun
with the same record resumes (the links and masks already there are kept); another record
empties the view first. A non-empty folder without view.json is the user's: never written into.
"""
import json
import os
import shutil

from misc import io_utils
from misc.chain import rerun
from misc.chain.errors import WontOverwrite
from voc12 import voc_lists

VIEW_RECORD = "view.json"
VIEW_PARTS = ("JPEGImages", "SegmentationClass", "ImageSets")


def _record(root):
    path = os.path.join(root, VIEW_RECORD)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def is_complete(root, made_from):
    record = _record(root)
    return bool(record) and record.get("complete") and record.get("made_from") == rerun.as_stored(made_from)


def open_view(root, made_from, what, overwrite=False):
    """Get `root` ready to (re)build: refuse a user's folder, keep a partial view of the same
    record, empty one of another record (or with `overwrite`)."""
    record = _record(root)
    if record is None and os.path.isdir(root) and os.listdir(root):
        raise WontOverwrite(f"{root} is not empty and holds no view of this project (no {VIEW_RECORD}): step 0 "
                            f"will not write the VOC-format view of {what} into it; give an empty or new --voc12_root")
    if record is not None and (overwrite or record.get("made_from") != rerun.as_stored(made_from)):
        for part in VIEW_PARTS:
            shutil.rmtree(os.path.join(root, part), ignore_errors=True)
    io_utils.save_json(os.path.join(root, VIEW_RECORD), {"complete": False, "made_from": made_from})


def close_view(root, made_from, class_names, splits, labels):
    """Write the lists, class names and labels, then mark the view complete."""
    for split, ids in splits.items():
        io_utils.save_lines(voc_lists.seg_list_path(root, split), ids)
    io_utils.save_lines(os.path.join(root, "class_names.txt"), class_names)
    io_utils.save_npy(os.path.join(root, "cls_labels.npy"), labels)
    io_utils.save_json(os.path.join(root, VIEW_RECORD), {"complete": True, "made_from": made_from})


def read_view(root):
    """(class names, {split: ids}, labels) of a complete view."""
    splits = {split: io_utils.read_ids(voc_lists.seg_list_path(root, split), f"{split} list of the view")
              for split in ("train", "val")}
    return (io_utils.read_lines(os.path.join(root, "class_names.txt"), "class names"), splits,
            io_utils.load_npy(os.path.join(root, "cls_labels.npy"), "class label file"))


def link_image(source, root, image_id):
    """JPEGImages/<id>.jpg -> `source`. The .jpg name is the view's: readers open the file by its
    content, so a PNG behind it reads as a PNG."""
    link_file(source, os.path.join(root, "JPEGImages", image_id + ".jpg"))


def link_file(source, target):
    """`target` -> `source`: an absolute symlink; a hard link, then a copy, where the file system
    refuses links."""
    source = os.path.abspath(source)
    if os.path.islink(target) and os.readlink(target) == source:
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.lexists(target):
        os.remove(target)
    for make in (os.symlink, os.link):
        try:
            make(source, target)
            return
        except OSError:
            continue
    shutil.copyfile(source, target)


def mask_path(root, image_id):
    return os.path.join(root, "SegmentationClass", image_id + ".png")
