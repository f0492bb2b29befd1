"""MS COCO 2014 (voc12/coco.py): labels and masks from a hand-made annotation file in the official
instance format, against masks worked out by hand; the view; the smoke chain on a COCO mock."""
import json
import os

import numpy as np
import pytest

from misc.chain.errors import MissingInput, WontOverwrite
from misc.io_utils import load_label_png, load_npy, read_ids
from tests.conftest import copy_stand_in
from tests.preloaded import run_chain
from voc12 import coco
from voc12.generated.coco_mock import uncompressed_rle

# Three categories with ids 42, 7, 3 listed out of order: labels follow increasing id, 3 -> 1,
# 7 -> 2, 42 -> 3. pycocotools rasterises the polygon [x0,y0, x1,y0, x1,y1, x0,y1] to the pixels
# x0 <= x < x1, y0 <= y < y1 (checked in test_polygon_rasterisation_is_half_open).
CATEGORIES = [{"id": 42, "name": "tennis racket"}, {"id": 7, "name": "train"}, {"id": 3, "name": "car"}]
H, W = 4, 6


def rect(x0, y0, x1, y1):
    return [[x0, y0, x1, y0, x1, y1, x0, y1]]


def crowd_region():
    region = np.zeros((H, W), bool)
    region[2:4, 0:3] = True  # rows 2-3, columns 0-2
    return region


def annotation_file(folder, split):
    images = [{"id": 1, "file_name": f"COCO_{split}_000000000001.jpg", "height": H, "width": W},
              {"id": 2, "file_name": f"COCO_{split}_000000000002.jpg", "height": H, "width": W},  # no annotation
              {"id": 3, "file_name": f"COCO_{split}_000000000003.jpg", "height": H, "width": W}]  # crowd only
    annotations = [
        {"id": 10, "image_id": 1, "category_id": 3, "segmentation": rect(0, 0, 4, 2), "iscrowd": 0},   # car
        {"id": 11, "image_id": 1, "category_id": 42, "segmentation": rect(2, 1, 6, 3), "iscrowd": 0},  # over the car
        {"id": 12, "image_id": 1, "category_id": 7, "segmentation": uncompressed_rle(crowd_region()), "iscrowd": 1},
        {"id": 13, "image_id": 3, "category_id": 7, "segmentation": uncompressed_rle(crowd_region()), "iscrowd": 1},
    ]
    for ann in annotations:
        ann.update(area=1.0, bbox=[0, 0, 1, 1])
    path = os.path.join(folder, "annotations", f"instances_{split}.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"images": images, "annotations": annotations, "categories": CATEGORIES}, f)
    from PIL import Image

    os.makedirs(os.path.join(folder, split), exist_ok=True)
    for image in images:
        Image.new("RGB", (W, H), (90, 120, 30)).save(os.path.join(folder, split, image["file_name"]))


@pytest.fixture
def coco_root(tmp_path):
    root = tmp_path / "coco"
    for split in ("train2014", "val2014"):
        annotation_file(str(root), split)
    return str(root)


def test_polygon_rasterisation_is_half_open():
    from pycocotools import mask as mask_utils

    decoded = mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(rect(1, 1, 4, 3), H, W)))
    expected = np.zeros((H, W), np.uint8)
    expected[1:3, 1:4] = 1
    assert (decoded == expected).all()


def test_classes_follow_increasing_category_id():
    names, label_of = coco.class_order(CATEGORIES)
    assert names == ["car", "train", "tennis racket"]
    assert label_of == {3: 1, 7: 2, 42: 3}


@pytest.mark.parametrize("crowd", ["background", "ignore"])
def test_labels_and_masks_equal_the_hand_made_ones(coco_root, tmp_path, crowd):
    names, splits, labels = coco.build_view(coco_root, str(tmp_path / "view"), crowd=crowd)
    assert names == ["car", "train", "tennis racket"]
    # the image without annotations is left out; the crowd-only one stays (its label is its crowd's)
    assert splits == {"train": ["COCO_train2014_000000000001", "COCO_train2014_000000000003"],
                      "val": ["COCO_val2014_000000000001", "COCO_val2014_000000000003"]}
    assert labels["COCO_train2014_000000000001"].tolist() == [1.0, 1.0, 1.0]  # crowd classes count
    assert labels["COCO_train2014_000000000003"].tolist() == [0.0, 1.0, 0.0]
    c = 255 if crowd == "ignore" else 0
    expected = np.array([[1, 1, 1, 1, 0, 0],    # car at rows 0-1, columns 0-3;
                         [1, 1, 3, 3, 3, 3],    # the racket (later) wins rows 1-2, columns 2-5;
                         [c, c, 3, 3, 3, 3],    # the crowd train (rows 2-3, columns 0-2) is never
                         [c, c, c, 0, 0, 0]])   # painted as a class, and under an instance keeps it
    mask = load_label_png(os.path.join(tmp_path, "view", "SegmentationClass", "COCO_train2014_000000000001.png"))
    assert mask.tolist() == expected.tolist()
    crowd_only = load_label_png(os.path.join(tmp_path, "view", "SegmentationClass", "COCO_train2014_000000000003.png"))
    assert crowd_only.tolist() == np.where(crowd_region(), c, 0).tolist()
    image = os.path.join(tmp_path, "view", "JPEGImages", "COCO_val2014_000000000001.jpg")
    assert os.path.realpath(image) == os.path.realpath(os.path.join(coco_root, "val2014", "COCO_val2014_000000000001.jpg"))


def test_a_complete_view_is_read_back_and_a_users_folder_is_refused(coco_root, tmp_path):
    view_root = str(tmp_path / "view")
    first = coco.build_view(coco_root, view_root)
    mask = os.path.join(view_root, "SegmentationClass", "COCO_train2014_000000000001.png")
    before = os.stat(mask).st_mtime_ns
    again = coco.build_view(coco_root, view_root)
    assert again[0] == first[0] and again[1] == first[1] and os.stat(mask).st_mtime_ns == before
    users = tmp_path / "mine"
    users.mkdir()
    (users / "notes.txt").write_text("keep")
    with pytest.raises(WontOverwrite, match="holds no view of this project"):
        coco.build_view(coco_root, str(users))
    assert (users / "notes.txt").read_text() == "keep" and len(os.listdir(users)) == 1


def test_another_crowd_rule_remakes_the_masks(coco_root, tmp_path):
    view_root = str(tmp_path / "view")
    mask = os.path.join(view_root, "SegmentationClass", "COCO_train2014_000000000003.png")
    coco.build_view(coco_root, view_root, crowd="background")
    assert load_label_png(mask).max() == 0
    coco.build_view(coco_root, view_root, crowd="ignore")
    assert load_label_png(mask).max() == 255
    with open(os.path.join(view_root, "view.json")) as f:
        assert json.load(f)["made_from"]["crowd"] == "ignore"


def test_a_missing_annotation_file_is_named(coco_root, tmp_path):
    os.remove(os.path.join(coco_root, "annotations", "instances_val2014.json"))
    with pytest.raises(MissingInput, match="instances_val2014.json"):
        coco.build_view(coco_root, str(tmp_path / "view"))


def coco_chain_job(folder, env, smoke_run):
    """The smoke chain on a COCO mock (a background job of the session, started once the smoke run
    is made: tests/conftest.py), in its own folder, one thread. Returns the folder."""
    from voc12.generated.coco_mock import write_coco_mock

    copy_stand_in(smoke_run, folder)  # the pretraining stand-in does not depend on the data set
    mock = write_coco_mock(str(folder / "coco"), n_train=32, n_val=12)
    argv = ["--preset", "smoke", "--dataset", "coco", "--coco_root", mock, "--ood_root", os.path.join(mock, "ood"),
            "--run_name", "coco_mock", "--pretrain_num_images", "128", "--ood_score_thres", "0.0"]
    run_chain(argv, folder, folder, env)
    return folder


@pytest.mark.slow
def test_the_smoke_chain_runs_every_step_on_a_coco_mock(background):
    run = background
    names = read_ids(run / "sess/coco_mock/lists/class_names.txt")
    assert names == ["bird", "boat", "train", "bottle", "chair"]  # 5 classes, ids 2, 5, 11, 27, 44
    assert len(read_ids(run / "sess/coco_mock/lists/train.txt")) == 32  # the image without annotation left out
    labels = load_npy(run / "sess/coco_mock/lists/cls_labels.npy")
    assert all(v.shape == (5,) for v in labels.values())
    for row in ("baseline", "wood"):
        with open(run / f"result/coco_mock/{row}/seed_eval.json") as f:
            assert len(json.load(f)["fixed"]["per_class"]["iou"]) == 6
        assert os.path.isfile(run / f"result/coco_mock/{row}/seg_eval.json")
    assert os.path.isfile(run / "result/coco_mock/report.md")


def test_a_run_remakes_its_lists_when_another_run_rebuilds_the_shared_view(coco_root, in_tmp_dir):
    from run_sample import main

    def step0(run, crowd):
        main(["--preset", "smoke", "--dataset", "coco", "--coco_root", coco_root, "--run_name", run,
              "--coco_crowd", crowd, "--steps", "0", "--cam_batch_size", "1", "--ood_batch_size", "1",
              "--irn_batch_size", "1", "--seg_batch_size", "1"])
        return os.stat(f"sess/{run}/lists/made_from.json").st_mtime_ns

    first = step0("a", "background")
    assert step0("a", "background") == first  # current: skipped
    step0("b", "ignore")  # the same view (Data/coco2014), rebuilt with the other crowd rule
    assert step0("a", "background") != first  # a's lists were made from a view that is gone


def test_missing_masks_are_an_error_outside_a_folder_data_set(tmp_path):
    from argparse import Namespace

    from misc.chain.ground_truth import lacks_ground_truth

    for dataset in ("synthetic", "voc", "coco"):
        assert not lacks_ground_truth(Namespace(dataset=dataset, voc12_root=str(tmp_path)), ["x"])
    assert lacks_ground_truth(Namespace(dataset="folder", voc12_root=str(tmp_path)), ["x"])


def test_a_missing_image_is_named_before_the_view_is_used(coco_root, tmp_path):
    os.remove(os.path.join(coco_root, "train2014", "COCO_train2014_000000000003.jpg"))
    with pytest.raises(MissingInput, match=r"COCO_train2014_000000000003.jpg of .*instances_train2014.json not found"):
        coco.build_view(coco_root, str(tmp_path / "view"))
