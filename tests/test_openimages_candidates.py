"""The OpenImages candidate filter on small files in OpenImages' own formats: the class
descriptions (with and without V6's header), human-verified and machine image-level labels, the
class hierarchy JSON; the output in the official downloader's form."""
import json
import os
import subprocess
import sys

import pytest

from misc.chain.errors import BadInput
from voc12 import openimages

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PERSON, MAN, BODY, HAND, CAR, VAN, TREE, BUILDING, DOG = (
    "/m/01g317", "/m/04yx4", "/m/02p0tk3", "/m/0k65p", "/m/0k4j", "/m/0h2r6", "/m/07j7r", "/m/0cgh4", "/m/0bt9lr")
HIERARCHY = {"LabelName": "/m/0bl9f", "Subcategory": [
    {"LabelName": PERSON, "Part": [{"LabelName": BODY, "Part": [{"LabelName": HAND}]}],
     "Subcategory": [{"LabelName": MAN}]},
    {"LabelName": "/m/07yv9", "Subcategory": [{"LabelName": CAR, "Subcategory": [{"LabelName": VAN}]}]},
    {"LabelName": TREE}, {"LabelName": BUILDING, "Part": [{"LabelName": CAR}]}, {"LabelName": DOG}]}
# image -> why it goes or stays (16 hex digits, as OpenImages' ids)
HUMAN = """ImageID,Source,LabelName,Confidence
000000000000000a,verification,/m/07j7r,1
000000000000000b,verification,/m/04yx4,1
000000000000000c,crowdsource-verification,/m/0k65p,1
000000000000000d,verification,/m/01g317,0
000000000000000d,verification,/m/07j7r,1
000000000000000e,verification,/m/0h2r6,1
000000000000000f,verification,/m/0cgh4,1
"""
MACHINE = """ImageID,Source,LabelName,Confidence
000000000000000f,machine,/m/0bt9lr,0.3
0000000000000010,machine,/m/0bt9lr,0.8
0000000000000011,machine,/m/07j7r,0.9
"""
CLASS_MAP = "voc_class,mid\nperson,/m/01g317\ncar,/m/0k4j\ndog,/m/0bt9lr\n"


@pytest.fixture
def files(tmp_path):
    paths = {"human": tmp_path / "oidv7-train-annotations-human-imagelabels.csv",
             "machine": tmp_path / "oidv7-train-annotations-machine-imagelabels.csv",
             "hierarchy": tmp_path / "bbox_labels_600_hierarchy.json",
             "descriptions": tmp_path / "oidv7-class-descriptions.csv", "map": tmp_path / "map.csv"}
    paths["human"].write_text(HUMAN)
    paths["machine"].write_text(MACHINE)
    paths["hierarchy"].write_text(json.dumps(HIERARCHY))
    paths["descriptions"].write_text("LabelName,DisplayName\n" + "".join(
        f"{m},{n}\n" for m, n in [(PERSON, "Person"), (MAN, "Man"), (BODY, "Human body"), (HAND, "Human hand"),
                                  (CAR, "Car"), (VAN, "Van"), (TREE, "Tree"), (BUILDING, "Building"), (DOG, "Dog")]))
    paths["map"].write_text(CLASS_MAP)
    return {k: str(v) for k, v in paths.items()}


def test_descendants_follow_subcategories_and_parts():
    below = openimages.descendants(HIERARCHY)
    assert below[PERSON] == {MAN, BODY, HAND} and below[CAR] == {VAN} and below[BUILDING] == {CAR, VAN}
    assert openimages.descendants(HIERARCHY, follow_parts=False)[PERSON] == {MAN}
    owner = openimages.excluded_mids({"person": [PERSON], "car": [CAR]}, HIERARCHY)
    assert owner == {PERSON: "person", MAN: "person", BODY: "person", HAND: "person", CAR: "car", VAN: "car"}


def test_the_filter_drops_every_image_with_a_target_or_a_descendant(files):
    owner = openimages.excluded_mids(openimages.read_class_map(files["map"]), HIERARCHY)
    kept, report = openimages.filter_candidates([files["human"], files["machine"]], owner)
    # a: a tree only. b: a Man (Person's Subcategory). c: a Human hand (a Part of Person's Human body).
    # d: Person verified absent (Confidence 0), a tree. e: a Van (Car's Subcategory). f: a Building (whose
    # Part is Car: an ancestor, not a descendant), a machine Dog at 0.3 < 0.5. 10: a machine Dog at 0.8.
    # 11: a machine-labelled tree only.
    assert kept == ["000000000000000a", "000000000000000d", "000000000000000f", "0000000000000011"]
    assert report["dropped_by_class"] == {"car": 1, "dog": 1, "person": 2} and report["images_seen"] == 8
    kept, report = openimages.filter_candidates([files["human"], files["machine"]], owner, human_verified_only=True)
    assert kept == ["000000000000000a", "000000000000000d", "000000000000000f"]
    assert report["dropped_without_human_labels"] == 1
    without_parts = openimages.excluded_mids({"person": [PERSON]}, HIERARCHY, follow_parts=False)
    assert "000000000000000c" in openimages.filter_candidates([files["human"]], without_parts)[0]


def test_the_script_writes_the_pool_and_the_downloader_list(files, tmp_path):
    out = tmp_path / "pool"
    done = subprocess.run([sys.executable, "scripts/openimages_candidates.py", "--image_labels", files["human"],
                           files["machine"], "--hierarchy", files["hierarchy"], "--class_descriptions",
                           files["descriptions"], "--class_map", files["map"], "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (out / "candidates.txt").read_text().split() == ["000000000000000a", "000000000000000d",
                                                            "000000000000000f", "0000000000000011"]
    assert (out / "download_list.txt").read_text().split()[0] == "train/000000000000000a"
    assert "person: 4 MIDs /m/01g317 Person" in done.stdout and "4 candidates kept" in done.stdout


def test_the_voc_map_names_20_classes_and_the_formats_are_checked(files, tmp_path):
    voc = openimages.read_class_map()
    assert len(voc) == 20 and voc["person"][0] == PERSON and voc["tvmonitor"] == ["/m/07c52", "/m/02522"]
    bad = tmp_path / "bad.csv"
    bad.write_text("ImageID,LabelName\n000000000000000a,/m/07j7r\n")
    with pytest.raises(BadInput, match=r"bad.csv: header \['ImageID', 'LabelName'\], expected ImageID,Source"):
        openimages.filter_candidates([str(bad)], {})
    no_header = tmp_path / "class-descriptions-boxable.csv"  # V4/V5: no header row
    no_header.write_text("/m/011k07,Tortoise\n/m/01g317,Person\n")
    assert openimages.read_class_descriptions(str(no_header)) == {"/m/011k07": "Tortoise", PERSON: "Person"}
    unknown = tmp_path / "unknown_map.csv"
    unknown.write_text("voc_class,mid\nperson,/m/nothere\n")
    done = subprocess.run([sys.executable, "scripts/openimages_candidates.py", "--image_labels", files["human"],
                           "--class_descriptions", files["descriptions"], "--class_map", str(unknown),
                           "--out", str(tmp_path / "o")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "MIDs not in" in done.stderr and "/m/nothere" in done.stderr


def test_the_coco_map_names_cocos_80_classes_in_the_same_filter(files):

    coco = openimages.read_class_map("coco")
    assert len(coco) == 80 and coco["person"][0] == PERSON and coco["mouse"] == ["/m/020lf"]  # not the animal
    assert coco["cow"][0] == "/m/01xq0k1" and coco["elephant"] == ["/m/0bwd_0j"]
    # the names are COCO's own, as instances_*.json spells them (tests/test_coco.py reads those)
    assert {"traffic light", "potted plant", "dining table", "tv", "hair drier"} <= set(coco)
    owner = openimages.excluded_mids(coco, HIERARCHY)
    kept, report = openimages.filter_candidates([files["human"], files["machine"]], owner)
    assert kept == ["000000000000000a", "000000000000000d", "000000000000000f", "0000000000000011"]
    assert report["dropped_by_class"] == {"car": 1, "dog": 1, "person": 2}
