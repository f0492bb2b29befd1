"""Seeded subsets of D_in and D_ood (paper Fig. 5: |D_in| and |D_ood| varied, five repeats), and of
the images steps 5-11 make seeds and masks for (--infer_num: AdvCAM costs ~55x CAM on a CPU)."""
import numpy as np

from misc import io_utils


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
    """The images steps 5-11 work on: --infer_list, or a seeded --infer_num subset of it."""
    ids = io_utils.read_ids(args.infer_list, "infer list")
    return seeded_subset(ids, args.infer_num, args.subset_seed)


IRN_IDS = ("infer", "train")


def irn_ids(args):
    """The images IRN trains on (--irn_ids): `infer`, the --infer_list images (this project's
    earlier choice); `train`, the classifier's --train_list (train_aug on VOC), as IRN and the
    release train it (their cam_to_ir_label and train_irn read args.train_list)."""
    if args.irn_ids == "infer":
        return infer_ids(args)
    if args.irn_ids == "train":
        return io_utils.read_ids(args.train_list, "train list")
    raise ValueError(f"unknown --irn_ids '{args.irn_ids}' (use {' or '.join(IRN_IDS)})")


def seed_ids(args):
    """The images steps 5 and 7 make CAMs and IR labels for: the infer images, then the IRN
    training images not among them (each once, in list order)."""
    return list(dict.fromkeys(infer_ids(args) + irn_ids(args)))
