"""The output layout: every path a step or script reads or writes comes from here.

    sess/<run>/                 lists/, cam_<classifier>.pth, clusters_*.npy, irn_<row>.pth,
                                seg_<row>.pth (Table 3's networks)
    sess/pretrained/            the small backbone's pretraining stand-in (shared by runs)
    result/<run>/               config.json, log.txt, timings.json, memory.json, seed_table.txt,
                                table2.txt, table3.txt, report.md, vis/
    result/<run>/<row>/         cam/, ir_label/, sem_seg/, seg_pred/, train_log.jsonl,
                                irn_train_log.jsonl, seg_train_log.jsonl, seed_eval.json,
                                mask_eval.json, seg_eval.json, seed_timing.json
    WOoD_dataset/<run>/         the mining outputs and ood_list.txt
    Data/<run>/VOC2012/         the synthetic data set (synthetic presets)
    Data/coco2014/, Data/<run>/view/   the VOC-format views of COCO and of a user's folder

Paths a user may give (`--voc12_root`, `--ood_list`, `--cam_weights_name`, ...) are flags;
`resolve(args)` fills the ones left empty. A training step's checkpoint `X.pth` is written at
the end; while it trains, its per-epoch checkpoint is `X.pth.resume` (never read as finished).
"""
import os

from misc.chain.errors import BadInput
from misc.chain.row_names import check_name, classifier_of

SESS, RESULT, OOD_DATA, DATA = "sess", "result", "WOoD_dataset", "Data"


# Path flags a user may give; `args.given_paths` lists the ones given, whose files are the user's.
PATH_FLAGS = ("voc12_root", "coco_root", "folder_root", "ood_root", "ood_list", "list_dir", "train_list", "val_list", "infer_list",
              "cam_weights_name", "cluster_file", "backbone_weights", "cam_out_dir", "ir_label_out_dir",
              "sem_seg_out_dir", "ood_review_decisions", "ood_candidate_list")


def resolve(args):
    """Fill path flags left empty from the run name and data set."""
    args.given_paths = [k for k in PATH_FLAGS if getattr(args, k, None)]
    args.run_name = check_name("--run_name", args.run_name or args.preset)
    if args.run_name.startswith("synthetic_"):
        raise BadInput(f"--run_name {args.run_name!r}: names starting with 'synthetic_' are the synthetic OoD pools' "
                       f"folders (WOoD_dataset/synthetic_<run>); choose another name")
    check_name("--wood_name", args.wood_name)
    if args.wood_name.endswith("_advcam") or args.wood_name == "baseline":
        raise BadInput(f"--wood_name {args.wood_name!r}: 'baseline' and names ending in _advcam are taken")
    args.sess_dir = os.path.join(SESS, args.run_name)
    args.result_dir = os.path.join(RESULT, args.run_name)
    if args.dataset == "synthetic":
        args.voc12_root = args.voc12_root or os.path.join(DATA, args.run_name, "VOC2012")
        args.ood_root = args.ood_root or os.path.join(OOD_DATA, "synthetic_" + args.run_name)
    elif args.dataset == "coco":  # the view is shared by runs: its masks are the slow part
        args.coco_root = args.coco_root or os.path.join(DATA, "coco")
        args.voc12_root = args.voc12_root or os.path.join(DATA, "coco2014")
        args.ood_root = args.ood_root or os.path.join(OOD_DATA, "openimages_coco")
    elif args.dataset == "folder":
        if not args.folder_root:
            raise BadInput("--dataset folder needs --folder_root (the layout: voc12/folder.py, README 'Beyond VOC')")
        args.voc12_root = args.voc12_root or os.path.join(DATA, args.run_name, "view")
        args.ood_root = args.ood_root or os.path.join(args.folder_root, "ood")
    else:
        args.voc12_root = args.voc12_root or os.path.join(DATA, "VOC2012")
        args.ood_root = args.ood_root or os.path.join(OOD_DATA, "openimages")
    if os.path.abspath(mining_dir(args)) == os.path.abspath(args.ood_root):
        raise BadInput(f"--run_name {args.run_name!r}: step 2 would write its outputs into the OoD pool "
                       f"{args.ood_root}; choose another run name")
    args.ood_list = args.ood_list or os.path.join(mining_dir(args), "ood_list.txt")
    args.list_dir = args.list_dir or os.path.join(args.sess_dir, "lists")
    args.train_list = args.train_list or os.path.join(args.list_dir, "train.txt")
    args.val_list = args.val_list or os.path.join(args.list_dir, "val.txt")
    args.infer_list = args.infer_list or os.path.join(args.list_dir, "infer.txt")
    args.cls_labels = os.path.join(args.list_dir, "cls_labels.npy")
    args.class_names_file = os.path.join(args.list_dir, "class_names.txt")
    args.cam_weights_name = args.cam_weights_name or os.path.join(args.sess_dir, "cam_baseline.pth")
    args.cluster_file = args.cluster_file or os.path.join(
        args.sess_dir, f"clusters_{args.ood_cluster}_K{args.cluster_K}_in{args.in_num or 'all'}"
        f"_ood{args.ood_num or 'all'}_s{args.subset_seed}.npy")
    if args.backbone == "small" and not args.backbone_weights:
        args.backbone_weights = pretrained_small_backbone(args)
    return args


def named_cluster_file(args, name):
    """A cluster file per variant (scripts/reproduce_tables.py): sess/<run>/clusters_<name>.npy."""
    return os.path.join(args.sess_dir, f"clusters_{name}.npy")


def pretrained_small_backbone(args):
    """Shared by every run with the same stand-in settings (the pretraining is the slow part)."""
    widths = "-".join(str(w) for w in args.small_widths)
    return os.path.join(SESS, "pretrained", f"small_{widths}_px{args.syn_image_size}_n{args.pretrain_num_images}"
                        f"_e{args.pretrain_epochs}_lr{args.pretrain_learning_rate:g}_seed{args.syn_seed}.pth")


def resume_path(checkpoint):
    """The per-epoch checkpoint of a training step in progress."""
    return checkpoint + ".resume"


def mining_dir(args):
    """Step 2's own folder: WOoD_dataset/<run>/."""
    return os.path.join(OOD_DATA, args.run_name)


def candidate_list(args):
    return args.ood_candidate_list or os.path.join(args.ood_root, "candidates.txt")


def review_decisions(args):
    return args.ood_review_decisions or os.path.join(mining_dir(args), "review_decisions.txt")


def mining_file(args, name):
    """candidates.tsv, candidate_scores.npy, review.html (+ class pages, thumbnails/), mining_report.json, ..."""
    return os.path.join(mining_dir(args), name)


def checkpoint_of(args, row):
    """The classifier of a row: baseline -> --cam_weights_name; other names ->
    sess/<run>/cam_<name>.pth (step 4's); <name>_advcam rows share their classifier's."""
    row = classifier_of(row)
    if row == "baseline":
        return args.cam_weights_name
    return os.path.join(args.sess_dir, f"cam_{row}.pth")


def irn_checkpoint(args, row):
    return os.path.join(args.sess_dir, f"irn_{row}.pth")


def seg_suffix(args):
    """'' for the run's own segmentation networks (trained with --seed), '_seed<k>' for those of
    another --seg_seed k (the seeds of scripts/table3_seeds.py, all on the same pseudo-masks)."""
    seed = getattr(args, "seg_seed", None)
    return "" if seed is None or seed == args.seed else f"_seed{seed}"


def seg_checkpoint(args, row):
    return os.path.join(args.sess_dir, f"seg_{row}{seg_suffix(args)}.pth")


def seg_train_log(args, row):
    return os.path.join(row_dir(args, row), f"seg_train_log{seg_suffix(args)}.jsonl")


def seg_eval(args, row):
    return os.path.join(row_dir(args, row), f"seg_eval{seg_suffix(args)}.json")


def seg_pred_dir(args, row):
    return os.path.join(row_dir(args, row), f"seg_pred{seg_suffix(args)}")


def table3_file(args):
    return result_file(args, f"table3{seg_suffix(args)}.txt")


def row_dir(args, row):
    return os.path.join(args.result_dir, row)


def output_dir(args, row, rows, override, flag, folder):
    """result/<run>/<row>/<folder>, or the official-style explicit folder `override`, which
    names one folder and so is allowed only when a single classifier is selected."""
    if override:
        if len(rows) > 1:
            raise BadInput(f"{flag} names one folder; use it with a single --cam_models entry")
        return override
    return os.path.join(row_dir(args, row), folder)


def cam_dir(args, row, rows):
    return output_dir(args, row, rows, args.cam_out_dir, "--cam_out_dir", "cam")


def ir_label_dir(args, row, rows):
    return output_dir(args, row, rows, args.ir_label_out_dir, "--ir_label_out_dir", "ir_label")


def sem_seg_dir(args, row, rows):
    return output_dir(args, row, rows, args.sem_seg_out_dir, "--sem_seg_out_dir", "sem_seg")


def rw_scores_dir(args, row, rows):
    """Step 9's random-walk scores beside its masks: <row>/rw_scores, or <--sem_seg_out_dir>_rw_scores."""
    if args.sem_seg_out_dir:
        return os.path.normpath(sem_seg_dir(args, row, rows)) + "_rw_scores"
    return os.path.join(row_dir(args, row), "rw_scores")


def train_log(args, row):
    return os.path.join(row_dir(args, row), "train_log.jsonl")


def irn_train_log(args, row):
    return os.path.join(row_dir(args, row), "irn_train_log.jsonl")


def pretrain_log(args):
    return os.path.splitext(args.backbone_weights)[0] + "_log.jsonl"


def seed_eval(args, row):
    return os.path.join(row_dir(args, row), "seed_eval.json")


def mask_eval(args, row):
    return os.path.join(row_dir(args, row), "mask_eval.json")


def seed_timing(args, row):
    return os.path.join(row_dir(args, row), "seed_timing.json")


def result_file(args, name):
    """config.json, log.txt, timings.json, seed_table.txt, table2.txt, report.md of a run."""
    return os.path.join(args.result_dir, name)


def vis_dir(args):
    return os.path.join(args.result_dir, "vis")


def pool_content(args):
    """What stands for the OoD pool's images in a made-from record: the synthetic pool's
    generator settings, or (any other pool) its images folder, fingerprinted by its listing."""
    config = os.path.join(args.ood_root, "synthetic_config.json")
    return config if os.path.isfile(config) else image_dir(args.ood_root)


def image_dir(root):
    """A VOC-format tree's images: <root>/JPEGImages/<id>.jpg."""
    return os.path.join(root, "JPEGImages")


def ood_image_dir(args):
    """Where the OoD images are: <ood_root>/JPEGImages when it exists (this project's pool, ids
    without extension), else <ood_root> itself: the release's folder (WOoD_dataset/openimages/OoD_images),
    whose ood_list.txt names files with their extension, joined to --ood_root as its
    voc12/dataloader.py joins them (misc.images.load_rgb takes either form of id)."""
    folder = image_dir(args.ood_root)
    return folder if os.path.isdir(folder) else args.ood_root


def reproduction_dir(name, groups, seeds):
    """scripts/reproduce_tables.py's tables: result/<name>/<groups>_seeds<seeds>/."""
    return os.path.join(RESULT, name, "_".join(groups) + "_seeds" + "-".join(map(str, seeds)))
