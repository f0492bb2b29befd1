"""Pascal VOC 2012 and SBD from their official archives, laid out as `--preset voc` reads them:

    Data/VOC2012/  JPEGImages/ Annotations/ SegmentationClass/ ImageSets/Segmentation/
                   [SegmentationClassAug/: SBD's masks as palette PNGs, with --sbd_masks]
    Data/SBD/      train.txt val.txt [cls/]   (SBD's benchmark_RELEASE/dataset)

Archives (URLs and md5 as torchvision.datasets knows them, voc.py DATASET_YEAR_DICT["2012"] and
sbd.py SBDataset): VOCtrainval_11-May-2012.tar holds VOCdevkit/VOC2012/...; benchmark.tgz holds
benchmark_RELEASE/dataset/{img,cls,inst,train.txt,val.txt}, each cls/<id>.mat a MATLAB struct
GTcls whose Segmentation field is the class mask (read as torchvision's SBDataset reads it:
loadmat(path)["GTcls"][0]["Segmentation"][0]). SBD's img/ are VOC 2011 images that VOC 2012's
JPEGImages holds already, so they are not copied.
"""
import os
import shutil
import tarfile

import numpy as np

from misc import io_utils
from misc.chain import rerun
from misc.chain.errors import BadInput, MissingInput, WontOverwrite
from misc.images import voc_palette

VOC_MEMBERS = ("JPEGImages/", "Annotations/", "SegmentationClass/", "ImageSets/Segmentation/")
VOC_PREFIX = "VOCdevkit/VOC2012/"
SBD_PREFIX = "benchmark_RELEASE/dataset/"


def official_archives():
    """{name: (url, file name, md5)} from torchvision.datasets (downloads when online)."""
    from torchvision.datasets import SBDataset
    from torchvision.datasets.voc import DATASET_YEAR_DICT

    voc = DATASET_YEAR_DICT["2012"]
    return {"voc": (voc["url"], voc["filename"], voc["md5"]),
            "sbd": (SBDataset.url, SBDataset.filename, SBDataset.md5)}


def download(name, folder):
    """The official archive `name` into `folder` through torchvision (its md5 checked)."""
    from torchvision.datasets.utils import download_url

    url, filename, md5 = official_archives()[name]
    try:
        download_url(url, folder, filename, md5)
    except Exception as err:
        raise MissingInput(f"cannot download {url} ({err.__class__.__name__}: {err}); fetch {filename} on a machine "
                           f"that is online and pass it with --{name}_archive") from None
    return os.path.join(folder, filename)


def md5_of(path):
    return rerun.file_sha1(path, "md5")


def _refuse_filled(folder, overwrite):
    if os.path.isdir(folder) and os.listdir(folder) and not overwrite:
        raise WontOverwrite(f"{folder} exists and is not empty; remove it or pass --overwrite true")


def _extract(archive, prefix, wanted, out_dir):
    """Members of `archive` under `prefix` whose relative path starts with one of `wanted` (or
    equals it) -> out_dir/<relative path>; returns how many files were written."""
    if not os.path.isfile(archive):
        raise MissingInput(f"archive not found: {archive}")
    try:
        tar = tarfile.open(archive)
    except tarfile.TarError as err:
        raise BadInput(f"{archive} is not a tar archive: {err}") from None
    count = 0
    with tar:
        for member in tar:
            if not member.isfile() or not member.name.startswith(prefix):
                continue
            relative = member.name[len(prefix):]
            if ".." in relative.split("/") or not any(relative == w or relative.startswith(w) for w in wanted):
                continue
            target = os.path.join(out_dir, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with tar.extractfile(member) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            count += 1
    if count == 0:
        raise BadInput(f"{archive} holds nothing under {prefix} ({', '.join(wanted)}): not the official archive")
    return count


def lay_out_voc(archive, out_dir, overwrite=False):
    _refuse_filled(out_dir, overwrite)
    return _extract(archive, VOC_PREFIX, VOC_MEMBERS, out_dir)


def lay_out_sbd(archive, out_dir, overwrite=False, with_masks=False):
    _refuse_filled(out_dir, overwrite)
    return _extract(archive, SBD_PREFIX, ("train.txt", "val.txt") + (("cls/",) if with_masks else ()), out_dir)


def sbd_mask(path):
    """SBD's class mask of one cls/<id>.mat as an (H, W) uint8 array."""
    from scipy.io import loadmat

    try:
        return np.asarray(loadmat(path)["GTcls"][0]["Segmentation"][0], np.uint8)
    except (KeyError, IndexError, ValueError, TypeError) as err:
        raise BadInput(f"{path}: not an SBD class mask (GTcls.Segmentation): {err}") from None


def sbd_masks_to_pngs(sbd_dir, voc_dir):
    """SegmentationClassAug/: SBD's masks as palette PNGs, VOC's own SegmentationClass masks where
    VOC has one (they win: VOC's are the newer annotation, as train_aug's usual construction)."""
    out = os.path.join(voc_dir, "SegmentationClassAug")
    os.makedirs(out, exist_ok=True)
    cls_dir = os.path.join(sbd_dir, "cls")
    names = sorted(n for n in os.listdir(cls_dir) if n.endswith(".mat")) if os.path.isdir(cls_dir) else []
    for name in names:
        io_utils.save_label_png(os.path.join(out, name[:-4] + ".png"), sbd_mask(os.path.join(cls_dir, name)),
                                voc_palette())
    voc_masks = os.path.join(voc_dir, "SegmentationClass")
    for name in sorted(os.listdir(voc_masks)) if os.path.isdir(voc_masks) else []:
        shutil.copyfile(os.path.join(voc_masks, name), os.path.join(out, name))
    return len(os.listdir(out))
