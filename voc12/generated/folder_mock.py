"""A mock of a user's own data set in the `--dataset folder` layout (voc12/folder.py), for the
smoke chain and the tests: `num_classes` synthetic classes, PNG images, an OoD pool.

Writes, under `root`: class_names.txt, labels.csv, images/<id>.png, train.txt, val.txt,
masks/<id>.png (with `masks`), ood/ (JPEGImages/, candidates.txt, the ground-truth sidecar).
"""
import csv
import os

from misc.images import voc_palette
from misc.io_utils import save_image, save_label_png, save_lines
from voc12.generated import synthetic


def write_folder_mock(root, n_train=48, n_val=16, num_classes=3, image_size=64, seed=0, masks=True):
    cfg = synthetic.SyntheticConfig(seed=seed, image_size=image_size, num_classes=num_classes, n_ood_hard=24,
                                    n_ood_easy=24, n_ood_positive=8)
    names = synthetic.class_names(cfg)
    save_lines(os.path.join(root, "class_names.txt"), names)
    rows, palette = [], voc_palette()
    for split, count in (("train", n_train), ("val", n_val)):
        ids = [f"{split}_{i:04d}" for i in range(count)]
        for index, image_id in enumerate(ids):
            img, mask, _ = synthetic.make_in_distribution(cfg, split, index)
            save_image(os.path.join(root, "images", image_id + ".png"), img)
            if masks:
                save_label_png(os.path.join(root, "masks", image_id + ".png"), mask, palette)
            rows.append((image_id, ";".join(names[v - 1] for v in sorted(set(mask.reshape(-1).tolist())) if v)))
        save_lines(os.path.join(root, f"{split}.txt"), ids)
    with open(os.path.join(root, "labels.csv"), "w", newline="") as f:
        csv.writer(f).writerows([("image", "labels")] + rows)
    synthetic.write_ood_pool(cfg, os.path.join(root, "ood"))
    return root
