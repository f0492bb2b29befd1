"""Seeded subsets of D_in and D_ood (paper Fig. 5: |D_in| and |D_ood| varied, five repeats), and of
the images steps 5-10 and 13 make seeds and masks for (--infer_num: AdvCAM costs ~55x CAM on a CPU)."""
import numpy as np

from misc import io_utils
from misc.chain.errors import BadInput


def seeded_subset(ids, num, seed):
    """`num` ids drawn without replacement by `seed`, in their original order; all if num <= 0."""
    if num <= 0 or num >= len(ids):
        return list(ids)
    keep = np.sort(np.random.default_rng(seed).choice(len(ids), num, replace=False))
    return [ids[i] for i in keep]


def train_ids(args):
    return seeded_subset(io_utils.read_ids(args.train_list, "train list"), args.in_num, args.subset_seed)


def ood_ids(args):
    ids = io_utils.read_ids(args.ood_list, "hard-OoD list", " (step 2 selected no hard OoD image)")
    return seeded_subset(ids, args.ood_num, args.subset_seed)


def infer_ids(args):
    """The images steps 5-10 and 13 work on: --infer_list, or a seeded --infer_num subset of it."""
    ids = io_utils.read_ids(args.infer_list, "infer list")
    return seeded_subset(ids, args.infer_num, args.subset_seed)


ID_LISTS = ("infer", "train")


def listed_ids(args, which, flag):
    """`infer`: the --infer_list images (with --infer_num); `train`: the --train_list."""
    if which == "infer":
        return infer_ids(args)
    if which == "train":
        return io_utils.read_ids(args.train_list, "train list")
    raise BadInput(f"unknown {flag} '{which}' (use {' or '.join(ID_LISTS)})")


def irn_ids(args):
    """The images IRN trains on (--irn_ids): `infer` (this project's earlier choice) or `train`,
    the classifier's --train_list (train_aug on VOC), as IRN and the release train it (their
    cam_to_ir_label and train_irn read args.train_list)."""
    return listed_ids(args, args.irn_ids, "--irn_ids")


def seg_ids(args):
    """The images the segmentation network trains on (--seg_ids; VOC: train_aug)."""
    return listed_ids(args, args.seg_ids, "--seg_ids")


def mask_ids(args):
    """The images step 9 makes pseudo-masks for: the infer images, then the segmentation
    network's training images when step 11 runs (each once, in list order)."""
    extra = seg_ids(args) if getattr(args, "train_seg_pass", False) else []
    return list(dict.fromkeys(infer_ids(args) + extra))


def seed_ids(args):
    """The images step 5 makes CAMs for: the infer images, then IRN's training images and the
    images step 9 needs masks of (each once, in list order)."""
    return list(dict.fromkeys(infer_ids(args) + irn_ids(args) + mask_ids(args)))


def check_batches_fit(args, steps):
    """The global batch of each training step among `steps` (names) against its training set,
    before any training: with drop_last, a batch larger than the set would train for 0 steps (and
    steps 4, 8 and 11 would find out after the classifiers had trained)."""
    sets = []
    if "train_cam" in steps:
        sets.append(("--cam_batch_size", args.cam_batch_size, "the train list",
                     lambda a: listed_ids(a, "train", "--cam_batch_size")))
    if "train_wood" in steps:
        sets.append(("--cam_batch_size", args.cam_batch_size, "W-OoD's in-distribution images (--in_num)", train_ids))
    if "train_irn" in steps:
        sets.append(("--irn_batch_size", args.irn_batch_size,
                     f"IRN's training images (--irn_ids {args.irn_ids}, --infer_num)", irn_ids))
    if "train_seg" in steps:
        sets.append(("--seg_batch_size", args.seg_batch_size,
                     f"the segmentation network's images (--seg_ids {args.seg_ids}, --infer_num)", seg_ids))
    problems = []
    for flag, batch, what, ids_of in sets:
        count = len(ids_of(args))
        if batch > count:
            problems.append(f"{flag} {batch} is larger than {what}, {count} images")
    if problems:
        raise BadInput("; ".join(problems) + ": training would take 0 steps; lower the batch size or use more images")
