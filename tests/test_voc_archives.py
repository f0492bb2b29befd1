"""scripts/prepare_voc.py on tiny archives built in the official layouts (VOCtrainval_11-May-2012.tar:
VOCdevkit/VOC2012/...; benchmark.tgz: benchmark_RELEASE/dataset/... with GTcls .mat masks): the
folders --preset voc reads, and step 0 builds train_aug from them."""
import os
import tarfile

import numpy as np
import pytest
from scipy.io import savemat

from misc.io_utils import load_label_png
from tests import preloaded
from voc12.generated.voc_mock import write_voc_mock

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def official_archives(tmp_path):
    """The mock's devkit as VOCtrainval_11-May-2012.tar and its SBD lists (+ one GTcls mask, one img
    that must not be copied, one inst file) as benchmark.tgz."""
    mock = write_voc_mock(str(tmp_path / "mock"), n_seg_train=4, n_seg_val=2, n_sbd_only=4, n_ood=0,
                          sizes=[(40, 48)], weights=False)
    voc_tar = tmp_path / "VOCtrainval_11-May-2012.tar"
    with tarfile.open(voc_tar, "w") as tar:
        tar.add(mock["voc12_root"], arcname="VOCdevkit/VOC2012")
    dataset = tmp_path / "sbd" / "benchmark_RELEASE" / "dataset"
    for folder in ("cls", "img", "inst"):
        os.makedirs(dataset / folder)
    for split in ("train", "val"):
        (dataset / f"{split}.txt").write_text(open(os.path.join(mock["sbd_root"], f"{split}.txt")).read())
    sbd_id = (dataset / "train.txt").read_text().split()[0]
    mask = np.zeros((40, 48), np.uint8)
    mask[5:20, 10:30] = 12
    savemat(str(dataset / "cls" / f"{sbd_id}.mat"),
            {"GTcls": {"Segmentation": mask, "Boundaries": np.zeros((1, 20), object), "CategoriesPresent": 12}})
    (dataset / "img" / f"{sbd_id}.jpg").write_bytes(b"not copied")
    sbd_tgz = tmp_path / "benchmark.tgz"
    with tarfile.open(sbd_tgz, "w:gz") as tar:
        tar.add(str(tmp_path / "sbd" / "benchmark_RELEASE"), arcname="benchmark_RELEASE")
    return voc_tar, sbd_tgz, sbd_id, mask


@pytest.mark.slow
def test_the_archives_are_laid_out_as_the_voc_preset_reads_them(tmp_path):
    voc_tar, sbd_tgz, sbd_id, mask = official_archives(tmp_path)
    out = tmp_path / "Data"
    done = preloaded.run([os.path.join(ROOT, "scripts/prepare_voc.py"), "--voc_archive", str(voc_tar), "--sbd_archive",
                           str(sbd_tgz), "--out", str(out), "--sbd_masks", "true"], cwd=ROOT, merge=False)
    assert done.returncode == 0, done.stderr
    assert "is not the official VOCtrainval_11-May-2012.tar (md5 differs)" in done.stdout
    voc = out / "VOC2012"
    assert sorted(os.listdir(voc)) == ["Annotations", "ImageSets", "JPEGImages", "SegmentationClass",
                                       "SegmentationClassAug"]
    assert len(os.listdir(voc / "JPEGImages")) == 10 and (voc / "ImageSets/Segmentation/train.txt").is_file()
    assert sorted(os.listdir(out / "SBD")) == ["cls", "train.txt", "val.txt"]  # SBD's img/ and inst/ left out
    np.testing.assert_array_equal(load_label_png(str(voc / "SegmentationClassAug" / f"{sbd_id}.png")), mask)
    # step 0 of the voc preset builds train_aug from the laid-out folders
    run = preloaded.run([os.path.join(ROOT, "run_sample.py"), "--preset", "voc", "--steps", "0",
                          "--voc12_root", str(voc), "--sbd_root", str(out / "SBD"), "--run_name", "voc_from_archives"],
                         cwd=tmp_path, merge=False)
    assert run.returncode == 0, run.stderr[-2000:]
    train = open(tmp_path / "sess/voc_from_archives/lists/train.txt").read().split()
    # train_aug = SBD train + SBD val + VOC train - VOC val: the 4 VOC train and 4 SBD-only ids (the
    # VOC val image in SBD's val list is left out)
    voc_train = (voc / "ImageSets/Segmentation/train.txt").read_text().split()
    sbd_only = [f"2008_{i:06d}" for i in range(6, 10)]
    assert sorted(train) == sorted(voc_train + sbd_only)
    # a second run refuses to write into the filled folders
    again = preloaded.run([os.path.join(ROOT, "scripts/prepare_voc.py"), "--voc_archive", str(voc_tar), "--sbd_archive",
                            str(sbd_tgz), "--out", str(out)], cwd=ROOT, merge=False)
    assert again.returncode == 2 and "exists and is not empty" in again.stderr


def test_offline_without_archives_is_a_clear_error(tmp_path):
    done = preloaded.run([os.path.join(ROOT, "scripts/prepare_voc.py"), "--out", str(tmp_path / "Data")], cwd=ROOT,
                          merge=False)
    assert done.returncode == 2 and "no --voc_archive given; pass the local file or --download true" in done.stderr
