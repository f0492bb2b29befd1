"""OpenImages' own label files -> the candidate OoD pool of Sec. 3.1: images whose labels hold
none of the target classes (Pascal VOC's 20, or any class map in the same CSV form).

Formats (OpenImages V6/V7, read off openimages/dataset READMEV3.md and the V7 download page's
file list; stored copies: datumaro's test assets, TFDS' open_images_v7 builder):

- class descriptions `oidv7-class-descriptions.csv`: `LabelName,DisplayName` (V6+ have this
  header; V4/V5's `class-descriptions-boxable.csv` has none: both read);
- image-level labels `oidv7-train-annotations-human-imagelabels.csv` and
  `...-machine-imagelabels.csv`: `ImageID,Source,LabelName,Confidence`; Source `verification` or
  `crowdsource-verification` (human: Confidence 1 present, 0 verified absent) or `machine`
  (Confidence a float score);
- class hierarchy `bbox_labels_600_hierarchy.json`: nested {"LabelName", "Subcategory": [...],
  "Part": [...]} from the root /m/0bl9f (Entity); a MID may appear at several places.

An image is dropped when it has a positive label (human Confidence 1, or machine Confidence >=
`machine_min_confidence`) of a target MID or of a descendant (Subcategory, and Part unless
`follow_parts` is off: a Human body, hand or face shows a person). Image ids are OpenImages' 16
hex digits; the ids come out as the official downloader.py takes them (`<split>/<id>`).
"""
import csv
import json
import os
from collections import Counter, defaultdict

from misc.chain.errors import BadInput, MissingInput

HUMAN_SOURCES = ("verification", "crowdsource-verification")
LABEL_COLUMNS = ["ImageID", "Source", "LabelName", "Confidence"]
VOC_CLASS_MAP = os.path.join(os.path.dirname(__file__), "data", "openimages_voc_classes.csv")
COCO_CLASS_MAP = os.path.join(os.path.dirname(__file__), "data", "openimages_coco_classes.csv")
CLASS_MAPS = {"voc": VOC_CLASS_MAP, "coco": COCO_CLASS_MAP}


def _open(path, what):
    if not os.path.isfile(path):
        raise MissingInput(f"{what} not found: {path}")
    return open(path, newline="", encoding="utf-8")


def read_class_map(path=VOC_CLASS_MAP):
    """{target class: [MIDs]} from a CSV with columns class,mid (or voc_class,mid; # lines are
    comments). `path` may also name a shipped map: voc or coco."""
    path = CLASS_MAPS.get(path, path)
    classes = defaultdict(list)
    with _open(path, "class map") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        column = next((c for c in ("class", "voc_class") if c in (rows.fieldnames or ())), None)
        if column is None or "mid" not in rows.fieldnames:
            raise BadInput(f"class map {path}: needs the columns class,mid (has {rows.fieldnames})")
        for row in rows:
            if not row["mid"].startswith("/m/"):
                raise BadInput(f"class map {path}: {row['mid']!r} of {row[column]!r} is not a MID (/m/...)")
            classes[row[column]].append(row["mid"])
    if not classes:
        raise BadInput(f"class map {path} is empty")
    return dict(classes)


def read_class_descriptions(path):
    """{MID: display name}; with or without the LabelName,DisplayName header."""
    names = {}
    with _open(path, "class descriptions") as f:
        for k, row in enumerate(csv.reader(f)):
            if k == 0 and row[:1] == ["LabelName"]:
                continue
            if len(row) < 2:
                raise BadInput(f"class descriptions {path}, line {k + 1}: expected MID,DisplayName, got {row}")
            names[row[0]] = row[1]
    return names


def descendants(hierarchy, follow_parts=True):
    """{MID: every MID below it}: the children of all the places a MID appears, merged, then
    followed down (the file repeats some MIDs with their subtree at one place only)."""
    children = defaultdict(set)

    def collect(node):
        for child in node.get("Subcategory", []) + (node.get("Part", []) if follow_parts else []):
            children[node["LabelName"]].add(child["LabelName"])
            collect(child)

    collect(hierarchy)
    below = {}

    def close(mid, path=()):
        if mid not in below:
            found = set()
            for child in children.get(mid, ()):
                if child not in path:  # a loop in a hand-edited file ends here
                    found |= {child} | close(child, path + (mid,))
            below[mid] = found
        return below[mid]

    for mid in list(children):
        close(mid)
    return below


def read_hierarchy(path):
    with _open(path, "class hierarchy") as f:
        try:
            tree = json.load(f)
        except json.JSONDecodeError as err:
            raise BadInput(f"class hierarchy {path} is not JSON: {err}") from None
    if "LabelName" not in tree:
        raise BadInput(f"class hierarchy {path}: the root has no LabelName (bbox_labels_600_hierarchy.json's form)")
    return tree


def excluded_mids(class_map, hierarchy=None, follow_parts=True):
    """{MID: target class} for every target MID and its descendants."""
    below = descendants(hierarchy, follow_parts) if hierarchy else {}
    owner = {}
    for name, mids in class_map.items():
        for mid in mids:
            for m in [mid, *sorted(below.get(mid, ()))]:
                owner.setdefault(m, name)
    return owner


def filter_candidates(label_files, owner, machine_min_confidence=0.5, human_verified_only=False):
    """(kept ids sorted, report) from image-level label files streamed row by row."""
    seen, human, dropped_by = set(), set(), {}
    for path in label_files:
        with _open(path, "image-level labels") as f:
            rows = csv.reader(f)
            header = next(rows, None)
            if header != LABEL_COLUMNS:
                raise BadInput(f"image-level labels {path}: header {header}, expected {','.join(LABEL_COLUMNS)}")
            for k, row in enumerate(rows, start=2):
                if len(row) != 4:
                    raise BadInput(f"image-level labels {path}, line {k}: expected 4 columns, got {row}")
                image_id, source, mid, confidence = row
                seen.add(image_id)
                try:
                    score = float(confidence)
                except ValueError:
                    raise BadInput(f"image-level labels {path}, line {k}: Confidence {confidence!r} is not a "
                                   f"number") from None
                is_human = source in HUMAN_SOURCES
                if is_human:
                    human.add(image_id)
                positive = score >= 1 if is_human else (source == "machine" and score >= machine_min_confidence)
                if positive and mid in owner and image_id not in dropped_by:
                    dropped_by[image_id] = owner[mid]
    kept = sorted(i for i in seen if i not in dropped_by and (i in human or not human_verified_only))
    report = {"images_seen": len(seen), "kept": len(kept), "dropped_for_a_target_class": len(dropped_by),
              "dropped_by_class": dict(sorted(Counter(dropped_by.values()).items())),
              "dropped_without_human_labels": (len(seen) - len(dropped_by) - len(kept)),
              "machine_min_confidence": machine_min_confidence, "human_verified_only": human_verified_only}
    return kept, report
