"""Which rows a run has (a trained classifier and a seed method).

"baseline" is F_in (step 1), "wood" (or --wood_name) the W-OoD classifier (step 4). Each classifier
gives one row per seed method of --cam_method: "<model>" for CAM, "<model>_advcam" for AdvCAM
(Table 1's four rows: baseline, wood, baseline_advcam, wood_advcam). Each row gets its own folder
result/<run>/<row>/ (misc/layout.py) so steps 5-10 can run for all of them.
"""
import os

SEED_METHODS = ("cam", "advcam")
ADVCAM_SUFFIX = "_advcam"


def classifier_of(row):
    """baseline_advcam -> baseline; baseline -> baseline."""
    return row[:-len(ADVCAM_SUFFIX)] if row.endswith(ADVCAM_SUFFIX) else row


def seed_method_of(row):
    return "advcam" if row.endswith(ADVCAM_SUFFIX) else "cam"


def seed_methods(args):
    """--cam_method: a comma list of cam, advcam."""
    methods = [m.strip() for m in args.cam_method.split(",") if m.strip()]
    unknown = [m for m in methods if m not in SEED_METHODS]
    if unknown or not methods:
        raise ValueError(f"--cam_method takes a comma list of {', '.join(SEED_METHODS)}; got {args.cam_method!r}")
    return methods


def selected_classifiers(args):
    """--cam_models: a comma list, or auto = baseline and --wood_name, those whose checkpoint exists."""
    from misc.layout import check_name, checkpoint_of

    if args.cam_models == "auto":
        models = [m for m in ("baseline", args.wood_name) if os.path.isfile(checkpoint_of(args, m))]
        if not models:
            raise FileNotFoundError(f"no trained classifier found ({checkpoint_of(args, 'baseline')}); run step 1")
        return models
    return [check_name("--cam_models", m.strip()) for m in args.cam_models.split(",") if m.strip()]


def selected_models(args):
    """The rows of steps 5-14: each selected classifier with each --cam_method, CAM rows first."""
    classifiers = selected_classifiers(args)
    bad = [m for m in classifiers if m.endswith(ADVCAM_SUFFIX)]
    if bad:
        raise ValueError(f"classifier names may not end in {ADVCAM_SUFFIX} (that names AdvCAM rows): {bad}")
    return [m if method == "cam" else m + ADVCAM_SUFFIX for method in seed_methods(args) for m in classifiers]


FULL_SUPERVISION = "full_supervision"


def seg_rows(args):
    """The rows of Table 3's segmentation networks (steps 11-14): those with pseudo-masks, then
    the upper bound trained on ground truth (--seg_full_supervision)."""
    return selected_models(args) + ([FULL_SUPERVISION] if args.seg_full_supervision else [])
