"""The release's OoD folder: `--ood_root WOoD_dataset/openimages/OoD_images` holding the images
flat (or in subfolders) and an ood_list.txt naming files with their extension, read as its
voc12/dataloader.py reads them (os.path.join(ood_root, line)); beside this project's
`<ood_root>/JPEGImages/<id>.jpg`."""
import argparse
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from misc.chain import layout
from misc.images import image_path, load_rgb


def test_an_id_with_its_extension_names_the_file_itself(tmp_path):
    assert image_path("pool", "abc") == os.path.join("pool", "abc.jpg")
    assert image_path("pool", "abc.jpg") == os.path.join("pool", "abc.jpg")
    assert image_path("pool", "sub/abc.PNG") == os.path.join("pool", "sub/abc.PNG")
    os.makedirs(tmp_path / "sub")
    Image.fromarray(np.full((4, 5), 7, np.uint8)).save(tmp_path / "sub" / "g.png")  # grey: read as RGB
    assert load_rgb(str(tmp_path), "sub/g.png").shape == (4, 5, 3)


def test_the_ood_folder_is_jpegimages_when_there_else_the_root(tmp_path):
    args = argparse.Namespace(ood_root=str(tmp_path))
    assert layout.ood_image_dir(args) == str(tmp_path)
    os.makedirs(tmp_path / "JPEGImages")
    assert layout.ood_image_dir(args) == str(tmp_path / "JPEGImages")


@pytest.mark.slow
def test_steps_3_and_4_train_on_a_release_layout_ood_folder(smoke_copy):
    from run_sample import main
    from tests.conftest import TINY

    # The release's layout, made from the smoke pool: flat files, one in a subfolder, names with extension.
    ours = "WOoD_dataset/smoke/ood_list.txt"
    ids = open(ours).read().split()
    release = "WOoD_dataset/openimages"
    os.makedirs(f"{release}/OoD_images/part2")
    names = []
    for k, image_id in enumerate(ids):
        name = f"part2/{image_id}.jpg" if k == 0 else f"{image_id}.jpg"
        shutil.copy(f"WOoD_dataset/synthetic_smoke/JPEGImages/{image_id}.jpg", f"{release}/OoD_images/{name}")
        names.append(name)
    with open(f"{release}/ood_list.txt", "w") as f:
        f.write("\n".join(names) + "\n")
    os.remove(ours)  # nothing can fall back on this project's list
    main(TINY + ["--steps", "3-4", "--ood_root", f"{release}/OoD_images", "--ood_list", f"{release}/ood_list.txt",
                 "--mine_ood_pass", "false"])
    cluster_file = next(os.path.join("sess/smoke", f) for f in os.listdir("sess/smoke")
                        if f.startswith("clusters_") and f.endswith(".npy"))
    clusters = np.load(cluster_file, allow_pickle=True).item()
    assert list(clusters["ood_ids"]) == names  # every listed file read, none unreadable
    assert clusters["ood_centres"].shape[0] == min(len(names), 50)
    assert os.path.isfile("sess/smoke/cam_wood.pth")
