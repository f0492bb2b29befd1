"""A user's own data set (`--dataset folder`, voc12/folder.py): the layout's checks, its view, and
the smoke chain end to end on a 3-class mock without masks (evaluations skipped, said so)."""
import os

import numpy as np
import pytest

from misc.chain.errors import BadInput, MissingInput
from misc.images import voc_palette
from misc.io_utils import load_label_png, read_ids, save_label_png
from tests.conftest import copy_stand_in
from tests.preloaded import run_chain
from voc12 import folder
from voc12.generated.folder_mock import write_folder_mock


@pytest.fixture
def mock(tmp_path):
    return write_folder_mock(str(tmp_path / "mine"), n_train=6, n_val=3, masks=True)


def rewrite(path, text):
    with open(path, "w") as f:
        f.write(text)


def test_the_view_links_images_and_masks_and_keeps_the_labels(mock, tmp_path):
    names, splits, labels = folder.build_view(mock, str(tmp_path / "view"))
    assert names == ["bird", "boat", "train"]
    assert splits["train"] == [f"train_{i:04d}" for i in range(6)] and len(splits["val"]) == 3
    for image_id in splits["train"] + splits["val"]:
        image = tmp_path / "view" / "JPEGImages" / f"{image_id}.jpg"
        assert os.path.realpath(image) == os.path.realpath(os.path.join(mock, "images", image_id + ".png"))
        mask = load_label_png(str(tmp_path / "view" / "SegmentationClass" / f"{image_id}.png"))
        present = sorted(int(v) for v in np.unique(mask) if v)
        assert labels[image_id].nonzero()[0].tolist() == [v - 1 for v in present]  # the CSV says what the mask shows


@pytest.mark.parametrize("edit, error, match", [
    (lambda root: rewrite(os.path.join(root, "class_names.txt"), ""), BadInput, "class_names.txt is empty"),
    (lambda root: rewrite(os.path.join(root, "labels.csv"), "image,labels\ntrain_0000,bird;zebra\n"),
     BadInput, r"labels.csv line 2: class 'zebra' of image 'train_0000' is not in .*class_names.txt"),
    (lambda root: rewrite(os.path.join(root, "labels.csv"), "image,labels\ntrain_0000,\n"),
     BadInput, r"labels.csv line 2: image 'train_0000' has no class"),
    (lambda root: rewrite(os.path.join(root, "labels.csv"), "image,labels\ntrain_0000,bird\n"),
     BadInput, r"ids of .*train.txt have no row in .*labels.csv, e.g. 'train_0001'"),
    (lambda root: rewrite(os.path.join(root, "labels.csv"), "id,classes\n"), BadInput, "header `image,labels`"),
    (lambda root: rewrite(os.path.join(root, "labels.csv"), "image,labels\ntrain_0000,bird,boat\n"),
     BadInput, r"labels.csv line 2: 3 columns; join an image's classes with ';'"),
    (lambda root: rewrite(os.path.join(root, "labels.csv"), "image,labels\ntrain_0000,bird\ntrain_0000,boat\n"),
     BadInput, r"labels.csv line 3: image 'train_0000' has a row already"),
    (lambda root: rewrite(os.path.join(root, "labels.csv"), "image,labels\n../train_0000,bird\n"),
     BadInput, r"labels.csv line 2: '../train_0000' is not an image id"),
    (lambda root: os.remove(os.path.join(root, "images", "train_0002.png")), MissingInput, "image of id 'train_0002'"),
    (lambda root: save_label_png(os.path.join(root, "masks", "train_0001.png"), np.full((8, 8), 7, np.uint8),
                                 voc_palette()), BadInput, r"train_0001.png holds class 7: the class file names 3"),
])
def test_bad_inputs_name_the_file_and_nothing_is_written(mock, tmp_path, edit, error, match):
    edit(mock)
    with pytest.raises(error, match=match):
        folder.build_view(mock, str(tmp_path / "view"))
    assert not (tmp_path / "view").exists()  # every check comes before the view is written


def test_a_spreadsheets_byte_order_mark_is_read(mock, tmp_path):
    path = os.path.join(mock, "labels.csv")
    text = open(path).read()
    with open(path, "w", encoding="utf-8-sig") as f:
        f.write(text)
    assert folder.build_view(mock, str(tmp_path / "view"))[2]["train_0000"].sum() >= 1


def test_a_missing_folder_root_is_a_clear_error(in_tmp_dir):
    from run_sample import parse_args

    with pytest.raises(BadInput, match="--dataset folder needs --folder_root"):
        parse_args(["--dataset", "folder"])


def folder_chain_job(folder, env, smoke_run):
    """The smoke chain on a folder mock without masks (a background job of the session, started
    once the smoke run is made: tests/conftest.py), in its own folder, one thread. Returns the folder."""
    copy_stand_in(smoke_run, folder)  # the pretraining stand-in does not depend on the data set
    root = write_folder_mock(str(folder / "mine"), n_train=32, n_val=12, masks=False)
    run_chain(["--preset", "smoke", "--dataset", "folder", "--folder_root", root, "--run_name", "mine",
               "--pretrain_num_images", "128", "--ood_score_thres", "0.0"], folder, folder, env)
    return folder


@pytest.mark.slow
def test_the_smoke_chain_runs_every_step_on_a_folder_without_masks(background, monkeypatch):
    monkeypatch.chdir(background)
    assert read_ids("sess/mine/lists/class_names.txt") == ["bird", "boat", "train"]
    for row in ("baseline", "wood"):
        assert len(os.listdir(f"result/mine/{row}/sem_seg")) == 32 + 1  # the masks and made_from.json
        assert os.path.isfile(f"sess/mine/seg_{row}.pth")
        assert not os.path.exists(f"result/mine/{row}/seed_eval.json")  # nothing to evaluate against
    assert not os.path.exists("sess/mine/seg_full_supervision.pth")
    log = open("result/mine/log.txt").read()
    for what in ("seed evaluation (step 6)", "pseudo-mask evaluation (step 10)", "segmentation evaluation (step 12)"):
        assert "no ground-truth masks for the" in log and f"{what} skipped" in log
    assert os.path.isfile("result/mine/report.md") and os.path.isfile("result/mine/vis/compare.png")
