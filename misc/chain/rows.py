"""Which rows a run has: each trained classifier with each seed method (names: misc/chain/row_names.py)."""
import os

from misc.chain.errors import BadInput, MissingInput
from misc.chain.layout import checkpoint_of
from misc.chain.row_names import ADVCAM_SUFFIX, FULL_SUPERVISION, SEED_METHODS, check_name


def seed_methods(args):
    """--cam_method: a comma list of cam, advcam."""
    methods = [m.strip() for m in args.cam_method.split(",") if m.strip()]
    unknown = [m for m in methods if m not in SEED_METHODS]
    if unknown or not methods:
        raise BadInput(f"--cam_method takes a comma list of {', '.join(SEED_METHODS)}; got {args.cam_method!r}")
    return methods


def selected_classifiers(args):
    """--cam_models: a comma list, or auto = baseline and --wood_name, those whose checkpoint exists."""
    if args.cam_models == "auto":
        classifiers = [c for c in ("baseline", args.wood_name) if os.path.isfile(checkpoint_of(args, c))]
        if not classifiers:
            raise MissingInput(f"no trained classifier found ({checkpoint_of(args, 'baseline')}); run step 1")
        return classifiers
    return [check_name("--cam_models", c.strip()) for c in args.cam_models.split(",") if c.strip()]


def selected_rows(args):
    """The rows of steps 5-14: each selected classifier with each --cam_method, CAM rows first."""
    classifiers = selected_classifiers(args)
    bad = [c for c in classifiers if c.endswith(ADVCAM_SUFFIX)]
    if bad:
        raise BadInput(f"classifier names may not end in {ADVCAM_SUFFIX} (that names AdvCAM rows): {bad}")
    return [c if method == "cam" else c + ADVCAM_SUFFIX for method in seed_methods(args) for c in classifiers]


def seg_rows(args):
    """The rows of Table 3's segmentation networks (steps 11-14): those with pseudo-masks, then
    the upper bound trained on ground truth (--seg_full_supervision) where the data has masks."""
    return selected_rows(args) + ([FULL_SUPERVISION] if args.seg_full_supervision and _has_train_masks(args) else [])


def _has_train_masks(args):
    """A folder data set without ground truth has no upper bound to train (step 11 says so)."""
    from misc.chain.ground_truth import lacks_ground_truth
    from misc.io_utils import read_ids

    if args.dataset != "folder" or not os.path.isfile(args.train_list):
        return True  # before step 0: decided once the lists exist
    return not lacks_ground_truth(args, read_ids(args.train_list, "train list"))
