"""Step 0: generate the synthetic data set, or read a VOC devkit + SBD, MS COCO 2014 or a user's
folder (the last two through a VOC-format view, voc12/view.py); write lists and labels.

Writes to `--list_dir`: train.txt (train_aug on VOC), val.txt, infer.txt (the ids whose seeds
are evaluated: VOC seg train, as the paper's Table 1), cls_labels.npy ({id: multi-hot}),
class_names.txt, and made_from.json (the data it was made from; later steps record its
fingerprint, so a regenerated data set remakes everything after it). Skipped when current.
"""
import dataclasses
import json
import logging
import os
import time

import numpy as np

from misc import io_utils
from misc.chain import layout, rerun
from misc.chain.errors import WontOverwrite
from misc.chain.flags import selected_steps
from misc.chain.subsets import check_batches_fit
from voc12 import coco, folder, view, voc_lists
from voc12.classes import VOC_CLASSES
from voc12.generated import synthetic

log = logging.getLogger(__name__)
LIST_FILES = ("train.txt", "val.txt", "infer.txt", "class_names.txt", "cls_labels.npy")


def _refuse_foreign_tree(folder, cfg, overwrite):
    """Step 0 generates only into an empty folder or its own synthetic tree: a user's tree (no
    synthetic_config.json) is never written into, and one made with other settings is replaced
    only with --overwrite prepare_data."""
    path = os.path.join(folder, "synthetic_config.json")
    if os.path.isdir(folder) and os.listdir(folder) and not os.path.isfile(path):
        raise WontOverwrite(f"{folder} is not empty and holds no synthetic data set of this project "
                            f"(no synthetic_config.json): step 0 will not generate into it. For your own VOC-format "
                            f"data use --dataset voc (or --preset voc); for the synthetic set give an empty or new "
                            f"--voc12_root/--ood_root")
    if overwrite or not os.path.isfile(path):
        return
    with open(path) as f:  # a field added after the tree was made holds its default there
        existing = {**dataclasses.asdict(synthetic.SyntheticConfig()), **json.load(f)}
    if existing != dataclasses.asdict(cfg):
        changed = sorted(k for k in existing if existing.get(k) != dataclasses.asdict(cfg).get(k))
        raise WontOverwrite(f"{folder} holds a synthetic set made with other settings ({', '.join(changed)}); "
                            f"pass --overwrite prepare_data to regenerate it or choose another --voc12_root/--ood_root")


def made_from(args):
    """The data the lists are made from: the generator's settings and trees, or the devkit's lists."""
    record = {"dataset": args.dataset, "label_source": args.label_source}
    if args.dataset in ("coco", "folder"):  # the view itself too: another run may rebuild a shared one
        record.update({args.dataset: coco.made_from(args.coco_root, args.coco_crowd) if args.dataset == "coco"
                       else folder.made_from(args.folder_root)},
                      view=rerun.fingerprint(os.path.join(args.voc12_root, view.VIEW_RECORD)))
    elif args.dataset == "synthetic":
        record.update(config=synthetic.config_record(synthetic.config_from_args(args)),
                      voc_tree=rerun.fingerprint(os.path.join(args.voc12_root, "synthetic_config.json")),
                      ood_tree=rerun.fingerprint(os.path.join(args.ood_root, "synthetic_config.json")))
    else:
        lists = [voc_lists.seg_list_path(args.voc12_root, s) for s in ("train", "val")]
        if args.sbd_root:
            lists += [os.path.join(args.sbd_root, f"{s}.txt") for s in ("train", "val")]
        labels_from = ("Annotations",) if args.label_source == "xml" else ("SegmentationClassAug", "SegmentationClass")
        record.update(voc12_root=os.path.abspath(args.voc12_root),
                      sbd_root=os.path.abspath(args.sbd_root) if args.sbd_root else None,
                      labels={f: rerun.fingerprint(os.path.join(args.voc12_root, f)) for f in labels_from},
                      lists={os.path.basename(os.path.dirname(p)) + "/" + os.path.basename(p): rerun.fingerprint(p)
                             for p in lists})
    return record


def prepare_synthetic(args):
    cfg = synthetic.config_from_args(args)
    for root in (args.voc12_root, args.ood_root):  # `folder` is the folder data set's module here
        _refuse_foreign_tree(root, cfg, args.overwrite)
    start = time.time()
    sheet = synthetic.generate(cfg, args.voc12_root, args.ood_root, overwrite=args.overwrite)
    log.info("synthetic data in %s and %s (%.1f s); contact sheet: %s",
             args.voc12_root, args.ood_root, time.time() - start, sheet)
    train = io_utils.read_ids(voc_lists.seg_list_path(args.voc12_root, "train"), "segmentation train list")
    val = io_utils.read_ids(voc_lists.seg_list_path(args.voc12_root, "val"), "segmentation val list")
    return list(synthetic.class_names(cfg)), train, val, train


def prepare_voc(args):
    voc_lists.require_dir(args.voc12_root, "VOC2012 devkit folder (--voc12_root)")
    voc_lists.require_dir(layout.image_dir(args.voc12_root), "VOC JPEGImages folder")
    if args.sbd_root:
        voc_lists.require_dir(args.sbd_root, "SBD folder (--sbd_root)")
        train = voc_lists.build_train_aug(args.voc12_root, args.sbd_root)
    else:
        log.warning("no --sbd_root: training on VOC seg train only (1,464 ids), not train_aug (10,582)")
        train = io_utils.read_ids(voc_lists.seg_list_path(args.voc12_root, "train"), "segmentation train list")
    val = io_utils.read_ids(voc_lists.seg_list_path(args.voc12_root, "val"), "segmentation val list")
    infer = io_utils.read_ids(voc_lists.seg_list_path(args.voc12_root, "train"), "segmentation train list")
    return list(VOC_CLASSES), train, val, infer


def prepare_view(args):
    """COCO or a user's folder: its VOC-format view in --voc12_root; seeds on train, as VOC's."""
    start = time.time()
    if args.dataset == "coco":
        source = args.coco_root
        class_names, splits, labels = coco.build_view(source, args.voc12_root, args.overwrite, args.coco_crowd)
    else:
        source = args.folder_root
        class_names, splits, labels = folder.build_view(source, args.voc12_root, args.overwrite)
    log.info("VOC-format view of %s in %s (%.1f s)", source, args.voc12_root, time.time() - start)
    return class_names, splits["train"], splits["val"], splits["train"], labels


def run(args):
    if os.path.isdir(args.list_dir) and os.listdir(args.list_dir):
        rerun.refuse_foreign(args, "list_dir", args.list_dir,
                             "give an empty or new --list_dir (the lists it holds can be passed as --train_list, ...)")
    if not args.overwrite and rerun.folder_is_complete(args.list_dir, made_from(args), LIST_FILES):
        log.info("lists are current, skipping: %s", args.list_dir)
        check_batches_fit(args, [name for name, _ in selected_steps(args)])
        return rerun.SKIPPED
    if args.dataset in ("coco", "folder"):
        class_names, train, val, infer, labels = prepare_view(args)
    else:
        class_names, train, val, infer = prepare_synthetic(args) if args.dataset == "synthetic" else prepare_voc(args)
        labels = voc_lists.build_cls_labels(args.voc12_root, sorted(set(train + val + infer)), class_names,
                                            args.label_source)
    voc_lists.check_mask_sizes(args.voc12_root, sorted(set(train + val + infer)))
    io_utils.save_lines(os.path.join(args.list_dir, "train.txt"), train)
    io_utils.save_lines(os.path.join(args.list_dir, "val.txt"), val)
    io_utils.save_lines(os.path.join(args.list_dir, "infer.txt"), infer)
    io_utils.save_lines(args.class_names_file, class_names)
    io_utils.save_npy(args.cls_labels, labels)
    rerun.record_folder(args.list_dir, made_from(args))
    check_batches_fit(args, [name for name, _ in selected_steps(args)])
    counts = np.sum([labels[i] for i in train], axis=0).astype(int)
    log.info("lists in %s: train %d, val %d, infer %d ids; train images per class: %s", args.list_dir,
             len(train), len(val), len(infer), dict(zip(class_names, counts.tolist())))
