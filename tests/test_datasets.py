import numpy as np
import pytest
import torch
from PIL import Image

from misc import imutils
from voc12.datasets import ClassificationDataset, MultiScaleDataset, load_rgb


@pytest.fixture
def image_dir(tmp_path):
    rng = np.random.default_rng(0)
    for name, (h, w) in {"x": (40, 60), "y": (50, 30)}.items():
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(tmp_path / f"{name}.jpg")
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    return str(tmp_path)


def test_classification_dataset_shapes_labels_and_normalisation(image_dir):
    labels = {"x": np.array([0, 1, 0], np.float32), "y": np.array([1, 1, 0], np.float32)}
    ds = ClassificationDataset(["x", "y"], image_dir, labels, 3, resize_long=(32, 64), crop_size=48)
    item = ds[0]
    assert item["img"].shape == (3, 48, 48) and item["img"].dtype == torch.float32
    assert item["label"].tolist() == [0, 1, 0]
    ood = ClassificationDataset(["x"], image_dir, None, 3, resize_long=None, crop_size=None, hor_flip=False)
    assert ood[0]["label"].tolist() == [0, 0, 0]
    raw = load_rgb(image_dir, "x")
    np.testing.assert_allclose(ood[0]["img"].numpy(), imutils.hwc_to_chw(imutils.normalize(raw)), rtol=1e-6)


def test_normalize_uses_imagenet_statistics():
    img = np.full((1, 1, 3), 255, np.uint8)
    np.testing.assert_allclose(imutils.normalize(img)[0, 0], (1 - imutils.IMAGENET_MEAN) / imutils.IMAGENET_STD)


def test_multiscale_dataset_stacks_flips(image_dir):
    ds = MultiScaleDataset(["x"], image_dir, {"x": np.ones(2, np.float32)}, scales=(1.0, 0.5))
    item = ds[0]
    assert item["size"] == (40, 60)
    assert [tuple(p.shape) for p in item["img"]] == [(2, 3, 40, 60), (2, 3, 20, 30)]
    torch.testing.assert_close(item["img"][0][1], item["img"][0][0].flip(-1))


def test_bad_images_are_named(image_dir):
    with pytest.raises(FileNotFoundError, match="nope.jpg"):
        load_rgb(image_dir, "nope")
    with pytest.raises(ValueError, match="broken.jpg"):
        load_rgb(image_dir, "broken")
    with pytest.raises(KeyError, match="'y'"):
        ClassificationDataset(["y"], image_dir, {"x": np.zeros(2)}, 2, None, None)[0]
