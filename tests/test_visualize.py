import numpy as np
from PIL import Image

from misc.report import plots
from misc.report.visualize import cam_overlay, colorize_labels, hstack, label_tile, vstack


def test_palette_and_overlay_shapes():
    label = np.array([[0, 1], [2, 255]])
    rgb = colorize_labels(label)
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    assert rgb[0, 0].tolist() == [0, 0, 0] and rgb[0, 1].tolist() == [128, 0, 0] and rgb[1, 0].tolist() == [0, 128, 0]
    assert rgb[1, 1].tolist() == [224, 224, 192]  # VOC's ignore colour
    image = np.full((4, 5, 3), 100, np.uint8)
    assert cam_overlay(image, np.zeros((4, 5))).shape == (4, 5, 3)
    tile = label_tile(image, "x", scale=2)
    assert tile.shape == (16 + 8, 10, 3)
    assert hstack([tile, tile]).shape[1] == 2 * (10 + 4) and vstack([tile, tile]).shape[0] == 2 * (24 + 4)


def test_plots_write_readable_pngs(tmp_path):
    names = ["background", "a", "b"]
    path = plots.per_class_iou_delta(names, [0.9, 0.2, None], [0.95, 0.5, 0.1], "baseline", "wood",
                                     str(tmp_path / "delta.png"))
    sweep = [{"threshold": t, "miou": 0.5, "precision": 0.6, "recall": 0.7} for t in (0.1, 0.2)]
    path2 = plots.threshold_sweep({"baseline": sweep, "wood": sweep}, str(tmp_path / "sweep.png"))
    rng = np.random.default_rng(0)
    sets = {"a (D_in)": rng.normal(size=(8, 4)), "a (OoD)": rng.normal(size=(6, 4)) + 3}
    path3 = plots.feature_tsne({"baseline": sets, "wood": sets}, str(tmp_path / "tsne.png"))
    for p in (path, path2, path3):
        with Image.open(p) as img:
            assert img.size[0] > 100 and img.size[1] > 100
