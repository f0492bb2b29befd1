"""Every flag either is recorded by the outputs it shapes, or is on one explicit list of flags
that shape no output's content; so a new flag cannot be forgotten by the rerun rule (a forgotten
flag would keep stale outputs on a rerun, silently).

"Recorded" is read off a real run: the keys of every made-from record the smoke chain leaves
(`*.made_from.json`, `<folder>/made_from.json`) and of the synthetic set's own record
(`synthetic_config.json`, step 0's input fingerprint), plus the AdvCAM flags step 5 adds to its
record when --cam_method advcam (the smoke chain makes CAM seeds only) and the flags steps 5, 6
and 11 record only when they differ from their default (tests/test_make_cam.py, test_segmentation.py
check those).
"""
import glob
import json
import os

from misc.chain.flags import get_args_parser
from step.s05_make_cam import ADVCAM_FLAGS
from step.s05_make_cam import RECORDED_WHEN_NOT_DEFAULT as CAM_WHEN_SET
from step.s06_eval_cam import RECORDED_WHEN_NOT_DEFAULT as SEED_EVAL_WHEN_SET
from step.s11_train_seg import RECORDED_WHEN_NOT_DEFAULT as SEG_WHEN_SET

RECORDED_WHEN_NOT_DEFAULT = set(CAM_WHEN_SET) | set(SEG_WHEN_SET) | set(SEED_EVAL_WHEN_SET)

# Flags whose value shapes no output's content, each with the reason.
NOT_SHAPING = {
    **{k: "chooses what runs, not what it makes" for k in ("preset", "steps", "from_step", "overwrite")},
    **{f"{name}_pass": "switches a step on or off" for name in (
        "prepare_data", "pretrain_backbone", "train_cam", "mine_ood", "cluster", "train_wood", "make_cam", "eval_cam",
        "cam_to_ir_label", "train_irn", "make_sem_seg", "eval_sem_seg", "train_seg", "eval_seg", "vis", "report")},
    "run_name": "names the run's folders",
    "seg_recipe": "sets other --seg_* flags, which are recorded",
    "wood_name": "names the W-OoD classifier's files",
    "cam_models": "chooses which rows run (each row has its own outputs)",
    "seg_full_supervision": "adds a row of its own (its own outputs)",
    "device": "where to compute; the same flags give the same outputs up to floating-point order",
    "crf_workers": "processes for the CRFs of steps 6 and 7 (same labels, same sums)",
    "adv_class_batch": "classes climbed at once (same seeds, less memory)",
    **{k: "a path: the file or folder is recorded by its fingerprint, not by its name" for k in (
        "voc12_root", "sbd_root", "ood_root", "list_dir", "infer_list", "backbone_weights", "cam_weights_name",
        "ood_candidate_list", "ood_review_decisions", "cluster_file", "cam_out_dir", "ir_label_out_dir",
        "sem_seg_out_dir", "seg_backbone_weights", "seg_test_list", "seg_test_root", "coco_root", "folder_root")},
}
# Flags of data sets the synthetic smoke chain does not read, each recorded by step 0 where it is read.
RECORDED_BY_OTHER_DATASETS = {
    "coco_crowd": "step 0's record of a COCO view, as 'crowd' (tests/test_coco.py remakes the masks when it changes)",
}
# Flags recorded under another key than their own name.
RECORDED_AS = {
    "cam_scales": "scales", "cam_method": "method",
    "irn_ids": "ids_sha1", "seg_ids": "ids_sha1",  # which images: the ids' checksum
    **{f"syn_{k}": k for k in ("n_train", "n_val", "n_probe_per_class", "n_ood_hard", "n_ood_easy", "n_ood_positive",
                               "cooccurrence", "context_variation", "multi_label_rate", "num_classes")},
}


def flag_names(parser):
    return [a.dest for a in parser._actions if a.option_strings and a.dest != "help"]


def recorded_keys(folder):
    """The keys of every made-from record (and of the synthetic set's config) under `folder`."""
    keys = set()
    paths = glob.glob(os.path.join(folder, "**", "*made_from.json"), recursive=True)
    paths += glob.glob(os.path.join(folder, "**", "synthetic_config.json"), recursive=True)
    for path in paths:
        with open(path) as f:
            record = json.load(f)
        keys |= set(record.get("made_from", record) if path.endswith(".made_from.json") else record)
    return keys


def unrecorded(flags, keys):
    """The flags that neither appear in a record (by name or RECORDED_AS) nor are on NOT_SHAPING."""
    return [f for f in flags if f not in NOT_SHAPING and f not in RECORDED_BY_OTHER_DATASETS
            and RECORDED_AS.get(f, f) not in keys]


def test_every_flag_is_recorded_or_listed_as_not_shaping(smoke_run):
    keys = recorded_keys(str(smoke_run)) | set(ADVCAM_FLAGS) | set(RECORDED_WHEN_NOT_DEFAULT)
    missing = unrecorded(flag_names(get_args_parser()), keys)
    assert not missing, (f"flags no output records: {missing}; add each to the made-from record of the step whose "
                         f"output it shapes, or to NOT_SHAPING here with the reason")


def test_the_lists_name_real_flags():
    flags = set(flag_names(get_args_parser()))
    assert not set(NOT_SHAPING) - flags and not set(RECORDED_AS) - flags
    assert not set(NOT_SHAPING) & set(RECORDED_AS)


def test_a_new_flag_that_no_record_holds_is_caught(smoke_run):
    parser = get_args_parser()
    parser.add_argument("--cam_new_knob", type=float, default=1.0, help="a flag a step reads but never records")
    keys = recorded_keys(str(smoke_run)) | set(ADVCAM_FLAGS) | set(RECORDED_WHEN_NOT_DEFAULT)
    assert unrecorded(flag_names(parser), keys) == ["cam_new_knob"]
