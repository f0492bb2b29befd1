"""List construction from a tiny VOC + SBD tree built here."""
import os

import numpy as np
import pytest
from PIL import Image

from voc12 import voc_lists
from voc12.classes import VOC_CLASSES


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def xml(*names):
    objects = "".join(f"<object><name>{n}</name><part><name>head</name></part></object>" for n in names)
    return f"<annotation><filename>x.jpg</filename>{objects}</annotation>"


@pytest.fixture
def tiny_voc(tmp_path):
    voc, sbd = tmp_path / "VOC2012", tmp_path / "SBD"
    write(voc / "ImageSets/Segmentation/train.txt", "a\nb\n")
    write(voc / "ImageSets/Segmentation/val.txt", "c\nd\n")
    write(sbd / "train.txt", "b\nc\ne\n")  # c is VOC val: must be dropped
    write(sbd / "val.txt", "f\n")
    for image_id, names in {"a": ["cat"], "b": ["dog", "person"], "c": ["train"], "d": ["bus"], "e": ["train", "train"], "f": ["sofa"]}.items():
        write(voc / f"Annotations/{image_id}.xml", xml(*names))
    os.makedirs(voc / "SegmentationClass")
    mask = np.zeros((4, 4), np.uint8)
    mask[0, 0], mask[1, 1], mask[3, 3] = 8, 12, 255  # cat, dog, ignore
    Image.fromarray(mask).save(voc / "SegmentationClass/a.png")
    return str(voc), str(sbd)


def test_train_aug_is_sbd_plus_voc_train_minus_voc_val(tiny_voc):
    voc, sbd = tiny_voc
    assert voc_lists.build_train_aug(voc, sbd) == ["a", "b", "e", "f"]


def test_labels_from_xml_and_mask(tiny_voc):
    voc, _ = tiny_voc
    labels = voc_lists.build_cls_labels(voc, ["b", "e"], list(VOC_CLASSES), "xml")
    assert np.flatnonzero(labels["b"]).tolist() == [VOC_CLASSES.index("dog"), VOC_CLASSES.index("person")]
    assert np.flatnonzero(labels["e"]).tolist() == [VOC_CLASSES.index("train")]
    from_mask = voc_lists.labels_from_mask(voc, "a", 20)
    assert np.flatnonzero(from_mask).tolist() == [VOC_CLASSES.index("cat"), VOC_CLASSES.index("dog")]


def test_missing_files_are_named(tiny_voc, tmp_path):
    voc, sbd = tiny_voc
    with pytest.raises(FileNotFoundError, match="zz.xml"):
        voc_lists.labels_from_xml(voc, "zz", list(VOC_CLASSES))
    with pytest.raises(FileNotFoundError, match="SegmentationClass"):
        voc_lists.labels_from_mask(voc, "b", 20)
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nowhere")):
        voc_lists.build_train_aug(voc, str(tmp_path / "nowhere"))
    with pytest.raises(KeyError, match="'q'"):
        np.save(tmp_path / "l.npy", {"a": np.zeros(20)})
        voc_lists.load_cls_labels(str(tmp_path / "l.npy"), ["a", "q"])


def test_voc_step0_on_tiny_tree(tiny_voc, in_tmp_dir):
    from run_sample import parse_args
    from step import s00_prepare_data

    voc, sbd = tiny_voc
    os.makedirs(os.path.join(voc, "JPEGImages"))
    args = parse_args(["--preset", "voc", "--voc12_root", voc, "--sbd_root", sbd, "--run_name", "t", "--steps", "0"])
    s00_prepare_data.run(args)
    assert open(args.train_list).read().split() == ["a", "b", "e", "f"]
    assert open(args.infer_list).read().split() == ["a", "b"]
    labels = np.load(args.cls_labels, allow_pickle=True).item()
    assert set(labels) == {"a", "b", "c", "d", "e", "f"}


def test_voc_step0_names_a_missing_devkit(in_tmp_dir):
    from run_sample import parse_args
    from step import s00_prepare_data

    args = parse_args(["--preset", "voc", "--voc12_root", "no/such/VOC2012"])
    with pytest.raises(FileNotFoundError, match="no/such/VOC2012"):
        s00_prepare_data.run(args)


def test_voc_step0_names_an_empty_list(tiny_voc, in_tmp_dir):
    from run_sample import parse_args
    from step import s00_prepare_data

    voc, sbd = tiny_voc
    os.makedirs(os.path.join(voc, "JPEGImages"))
    open(os.path.join(voc, "ImageSets", "Segmentation", "val.txt"), "w").close()
    args = parse_args(["--preset", "voc", "--voc12_root", voc, "--sbd_root", sbd, "--run_name", "t"])
    with pytest.raises(ValueError, match="val.txt is empty"):
        s00_prepare_data.run(args)
    assert not os.path.exists(args.train_list)  # nothing half-made
