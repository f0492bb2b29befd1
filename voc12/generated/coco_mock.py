"""A mock of MS COCO 2014 in its official layout, for the smoke chain and the tests of `--dataset coco`.

Writes, under `root`:
    annotations/instances_train2014.json, instances_val2014.json   the official instance format
    train2014/COCO_train2014_<12 digits>.jpg, val2014/COCO_val2014_<12 digits>.jpg
    ood/JPEGImages/, ood/candidates.txt, ood/ground_truth_sidecar.json   a synthetic OoD pool
The pictures are the synthetic generator's (voc12/generated/synthetic.py) with `num_classes`
classes; their categories have non-contiguous ids (CATEGORY_IDS), as COCO's 1..90 for 80 classes.
Each object of an image is one annotation of polygons (its outer contours); every `crowd_every`-th
image's first object is a crowd annotation in uncompressed RLE instead, and one train image
shows no object and has no annotation (the protocol leaves it out).
"""
import dataclasses
import os

import cv2
import numpy as np

from misc.io_utils import save_image, save_json
from voc12.generated import synthetic

CATEGORY_IDS = (2, 5, 11, 27, 44, 62, 77, 90, 3, 8)


def uncompressed_rle(region):
    """COCO's uncompressed RLE of a boolean HxW region: run lengths in column-major order,
    starting with a run of zeros (pycocotools' format for crowd annotations)."""
    flat = np.asarray(region, np.uint8).flatten(order="F")
    changes = np.flatnonzero(np.diff(np.concatenate([[0], flat, [1 - flat[-1]]])))
    counts = np.diff(np.concatenate([[0], changes]))
    return {"counts": [int(c) for c in counts], "size": [int(region.shape[0]), int(region.shape[1])]}


def polygons(region):
    """The outer contours of a boolean region as COCO polygons [x0, y0, x1, y1, ...]."""
    contours, _ = cv2.findContours(region.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [c.reshape(-1).astype(float).tolist() for c in contours if len(c) >= 3]


def _annotations(mask, image_id, next_id, crowd):
    out = []
    for value in [int(v) for v in np.unique(mask) if 0 < v < 255]:
        region = mask == value
        ys, xs = np.nonzero(region)
        box = [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]
        is_crowd = crowd and not out
        segmentation = uncompressed_rle(region) if is_crowd else polygons(region)
        if not is_crowd and not segmentation:
            continue
        out.append({"id": next_id + len(out), "image_id": image_id, "category_id": CATEGORY_IDS[value - 1],
                    "segmentation": segmentation, "area": float(region.sum()), "bbox": box,
                    "iscrowd": int(is_crowd)})
    return out


def write_coco_mock(root, n_train=48, n_val=16, num_classes=5, image_size=64, seed=0, crowd_every=7):
    cfg = synthetic.SyntheticConfig(seed=seed, image_size=image_size, num_classes=num_classes, n_ood_hard=24,
                                    n_ood_easy=24, n_ood_positive=8)
    names = synthetic.class_names(cfg)
    categories = [{"id": CATEGORY_IDS[k], "name": name, "supercategory": "mock"} for k, name in enumerate(names)]
    next_id = 1
    for split, folder, count in (("train", "train2014", n_train), ("val", "val2014", n_val)):
        images, annotations = [], []
        for index in range(count + (split == "train")):
            image_id = 1000 * (1 + (split == "val")) + index
            if index == count:  # the image without any annotation
                img, mask, _ = synthetic.compose_image(np.random.default_rng([seed, 9, index]), cfg, [])
            else:
                img, mask, _ = synthetic.make_in_distribution(cfg, split, index)
            file_name = f"COCO_{folder}_{image_id:012d}.jpg"
            save_image(os.path.join(root, folder, file_name), img)
            images.append({"id": image_id, "file_name": file_name, "height": int(img.shape[0]),
                           "width": int(img.shape[1])})
            new = _annotations(mask, image_id, next_id, crowd=index % crowd_every == crowd_every - 1)
            annotations += new
            next_id += len(new)
        save_json(os.path.join(root, "annotations", f"instances_{folder}.json"),
                  {"info": {"description": "coco mock"}, "images": images, "annotations": annotations,
                   "categories": categories[::-1], "licenses": []})  # not in id order, as nothing promises it
    synthetic.write_ood_pool(dataclasses.replace(cfg), os.path.join(root, "ood"))
    return root
