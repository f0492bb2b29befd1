"""The candidate OoD pool from OpenImages' own label files (paper Sec. 3.1): images whose labels
hold none of the 20 Pascal VOC classes (or their descendants in OpenImages' hierarchy); with
`--class_map coco`, none of MS COCO's 80 (COCO's pool, `--dataset coco`: --out WOoD_dataset/openimages_coco).

    python scripts/openimages_candidates.py \\
        --image_labels oidv7-train-annotations-human-imagelabels.csv oidv7-train-annotations-machine-imagelabels.csv \\
        --hierarchy bbox_labels_600_hierarchy.json --class_descriptions oidv7-class-descriptions.csv \\
        --out WOoD_dataset/openimages
    python downloader.py WOoD_dataset/openimages/download_list.txt \\
        --download_folder=WOoD_dataset/openimages/JPEGImages --num_processes=5   # OpenImages' downloader

Writes, under --out: candidates.txt (one id a line: the pool step 2 scores, images at
<out>/JPEGImages/<id>.jpg, where the downloader puts them), download_list.txt (`<split>/<id>`, the
official downloader.py's input; --num takes a seeded sample) and candidates_report.json (what
was kept, and how many were dropped for which class). Prints the expanded class list and the
report. The filter and the formats: voc12/openimages.py; the class map: --class_map (voc:
voc12/data/openimages_voc_classes.csv, coco: openimages_coco_classes.csv, each MID with where it was read).
"""
import argparse
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from misc import io_utils  # noqa: E402
from misc.chain.cli import str2bool  # noqa: E402
from misc.chain.errors import UserError  # noqa: E402
from voc12 import openimages  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--image_labels", nargs="+", required=True,
                   help="image-level label CSVs (ImageID,Source,LabelName,Confidence): human-verified and/or machine")
    p.add_argument("--hierarchy", default=None, help="bbox_labels_600_hierarchy.json (descendants are dropped too)")
    p.add_argument("--class_descriptions", default=None, help="oidv7-class-descriptions.csv (names in the printout; "
                                                              "checks the map's MIDs)")
    p.add_argument("--class_map", default="voc",
                   help="target class -> MID CSV (class,mid), or a shipped map: voc (the 20 VOC classes, "
                        "voc12/data/openimages_voc_classes.csv) or coco (the 80 COCO classes, openimages_coco_classes.csv)")
    p.add_argument("--follow_parts", type=str2bool, default=True,
                   help="drop images with a Part of a target class too (Human body, hand, face: a person)")
    p.add_argument("--machine_min_confidence", type=float, default=0.5,
                   help="a machine-generated label counts as present from this Confidence")
    p.add_argument("--human_verified_only", type=str2bool, default=False,
                   help="keep only images with human-verified labels (machine-only images dropped)")
    p.add_argument("--split", default="train", choices=["train", "validation", "test", "challenge2018"],
                   help="the split of the label files, for download_list.txt")
    p.add_argument("--num", type=int, default=0, help="a seeded sample of this many candidates (0: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="WOoD_dataset/openimages")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    class_map = openimages.read_class_map(args.class_map)
    hierarchy = openimages.read_hierarchy(args.hierarchy) if args.hierarchy else None
    owner = openimages.excluded_mids(class_map, hierarchy, args.follow_parts)
    names = openimages.read_class_descriptions(args.class_descriptions) if args.class_descriptions else {}
    if names:
        unknown = sorted(m for mids in class_map.values() for m in mids if m not in names)
        if unknown:
            raise UserError(f"class map {openimages.CLASS_MAPS.get(args.class_map, args.class_map)}: MIDs not in "
                            f"{args.class_descriptions}: {unknown}")
    for name in class_map:
        mids = [m for m, owner_name in owner.items() if owner_name == name]
        print(f"{name}: {len(mids)} MIDs " + ", ".join(f"{m} {names.get(m, '')}".strip() for m in mids[:8])
              + (" ..." if len(mids) > 8 else ""))
    kept, report = openimages.filter_candidates(args.image_labels, owner, args.machine_min_confidence,
                                                args.human_verified_only)
    if args.num and args.num < len(kept):
        kept = sorted(random.Random(args.seed).sample(kept, args.num))
        report["sampled"] = {"num": args.num, "seed": args.seed}
    report.update(label_files=args.image_labels, hierarchy=args.hierarchy, class_map=args.class_map,
                  follow_parts=args.follow_parts, split=args.split)
    os.makedirs(args.out, exist_ok=True)
    io_utils.save_lines(os.path.join(args.out, "candidates.txt"), kept)
    io_utils.save_lines(os.path.join(args.out, "download_list.txt"), [f"{args.split}/{i}" for i in kept])
    io_utils.save_json(os.path.join(args.out, "candidates_report.json"), report)
    print(f"{report['images_seen']} images in the label files: {len(kept)} candidates kept, "
          f"{report['dropped_for_a_target_class']} dropped for a target class {report['dropped_by_class']}, "
          f"{report['dropped_without_human_labels']} without human-verified labels dropped -> {args.out}")
    return report


if __name__ == "__main__":
    try:
        main()
    except UserError as err:  # one line naming the file, as run_sample.py
        print(f"error: {err.message()}", file=sys.stderr)
        sys.exit(2)
