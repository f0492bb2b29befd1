"""Lay out Pascal VOC 2012 and SBD as `--preset voc` expects, from the official archives.

    python scripts/prepare_voc.py --download true                 # online: torchvision fetches both (~3.4 GB)
    python scripts/prepare_voc.py --voc_archive VOCtrainval_11-May-2012.tar --sbd_archive benchmark.tgz

Writes Data/VOC2012/ (JPEGImages, Annotations, SegmentationClass, ImageSets/Segmentation) and
Data/SBD/ (train.txt, val.txt); --sbd_masks true also writes Data/VOC2012/SegmentationClassAug
(SBD's masks as palette PNGs, for --label_source mask). Then:
    python run_sample.py --preset voc --voc12_root Data/VOC2012 --sbd_root Data/SBD ...
The archive formats: voc12/archives.py. An archive whose md5 is not the official one is used
with a warning (the tests build small ones).
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from misc.chain.cli import str2bool  # noqa: E402
from misc.chain.errors import MissingInput, UserError  # noqa: E402
from voc12 import archives  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--voc_archive", default=None, help="VOCtrainval_11-May-2012.tar (local)")
    p.add_argument("--sbd_archive", default=None, help="benchmark.tgz (local)")
    p.add_argument("--download", type=str2bool, default=False,
                   help="fetch the missing archives into --archive_dir through torchvision.datasets")
    p.add_argument("--archive_dir", default="Data/archives")
    p.add_argument("--out", default="Data", help="writes <out>/VOC2012 and <out>/SBD")
    p.add_argument("--sbd_masks", type=str2bool, default=False, help="also SegmentationClassAug from SBD's cls/*.mat")
    p.add_argument("--overwrite", type=str2bool, default=False)
    return p.parse_args(argv)


def archive_of(args, name, given):
    if given:
        url, filename, md5 = archives.official_archives()[name]
        if archives.md5_of(given) != md5:
            print(f"warning: {given} is not the official {filename} (md5 differs); using it as given")
        return given
    if not args.download:
        raise MissingInput(f"no --{name}_archive given; pass the local file or --download true")
    return archives.download(name, args.archive_dir)


def main(argv=None):
    args = parse_args(argv)
    voc_dir, sbd_dir = os.path.join(args.out, "VOC2012"), os.path.join(args.out, "SBD")
    n = archives.lay_out_voc(archive_of(args, "voc", args.voc_archive), voc_dir, args.overwrite)
    print(f"VOC 2012: {n} files -> {voc_dir}")
    n = archives.lay_out_sbd(archive_of(args, "sbd", args.sbd_archive), sbd_dir, args.overwrite, args.sbd_masks)
    print(f"SBD: {n} files -> {sbd_dir}")
    if args.sbd_masks:
        print(f"SegmentationClassAug: {archives.sbd_masks_to_pngs(sbd_dir, voc_dir)} masks -> {voc_dir}")
    print(f"next: python run_sample.py --preset voc --voc12_root {voc_dir} --sbd_root {sbd_dir} ...")


if __name__ == "__main__":
    try:
        main()
    except UserError as err:
        print(f"error: {err.message()}", file=sys.stderr)
        sys.exit(2)
