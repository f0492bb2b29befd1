"""The one entry point: presets, flags and the ordered W-OoD step chain.

    python run_sample.py --preset smoke                 # every step, tiny, about a minute
    python run_sample.py                                # the embedded synthetic default (CPU)
    python run_sample.py --preset voc --voc12_root Data/VOC2012 --sbd_root Data/SBD ...

An explicit flag beats the preset. Each step is a module in step/ with `run(args)`, reading only
files earlier steps wrote, so `--<step>_pass false` on the others reruns one step alone.
"""
import argparse
import importlib
import json
import logging
import os
import sys
import time

# (pass flag, module) in chain order; `ls step/` lists the same order.
CHAIN = [
    ("prepare_data_pass", "step.s00_prepare_data"),
    ("pretrain_backbone_pass", "step.s00_pretrain_backbone"),
    ("train_cam_pass", "step.s01_train_cam"),
    ("mine_ood_pass", "step.s02_mine_hard_ood"),
    ("cluster_pass", "step.s03_cluster"),
    ("train_wood_pass", "step.s04_train_wood"),
    ("make_cam_pass", "step.s05_make_cam"),
    ("eval_cam_pass", "step.s06_eval_cam"),
    ("cam_to_ir_label_pass", "step.s07_cam_to_ir_label"),
    ("train_irn_pass", "step.s08_train_irn"),
    ("make_sem_seg_pass", "step.s09_make_sem_seg"),
    ("eval_sem_seg_pass", "step.s10_eval_sem_seg"),
    ("vis_pass", "step.s11_visualize"),
    ("report_pass", "step.s12_report"),
]

PRESETS = {
    # The paper setting: VOC 2012 + SBD, ImageNet ResNet-50, IRN's schedule.
    "voc": dict(dataset="voc", backbone="resnet50", backbone_pretrained=True, cam_batch_size=16,
                cam_num_epoches=5, cam_learning_rate=0.1, cam_weight_decay=1e-4, cam_momentum=0.0,
                cam_crop_size=512, cam_resize_long=(320, 640), num_workers=4,
                pretrain_backbone_pass=False, ood_review="manual", ood_score_batch_size=1,
                distance_form="paper", irn_crop_size=512, irn_resize_long=(320, 640), irn_batch_size=32,
                irn_learning_rate=0.1, irn_radius=10, adv_class_batch=1),
    # The embedded default: synthetic data, small backbone, CPU in minutes. Eq. 2 as written
    # diverges on the small backbone (feature norm 12 -> 46 within two epochs, README), so L_d
    # takes the official release's normalisation here.
    # The random walk's 2^exp_times steps scale with the grid: a 24x24 stride-4 grid is ~20x smaller
    # than a VOC image's, so 2^4 steps here match IRN's 2^8 there (2^8 flooded whole images).
    "synthetic": dict(dataset="synthetic", distance_form="release", exp_times=4),
    # Every step on a tiny synthetic set, about a minute on 2 cores.
    "smoke": dict(dataset="synthetic", syn_image_size=64, syn_n_train=96, syn_n_val=32,
                  syn_n_probe_per_class=4, syn_n_ood_hard=24, syn_n_ood_easy=24, syn_n_ood_positive=8,
                  small_widths=(16, 32, 64, 128), pretrain_num_images=600, pretrain_epochs=1,
                  cam_num_epoches=2, cam_crop_size=64, cam_resize_long=(48, 80), cam_scales=(1.0, 0.5),
                  distance_form="release", irn_crop_size=64, irn_resize_long=(48, 80), irn_num_epoches=1,
                  exp_times=4),
}


def str2bool(value):
    """argparse type for booleans that parse both ways (true/false, 1/0, yes/no)."""
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "y", "on"):
        return True
    if lowered in ("false", "0", "no", "n", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got '{value}'")


def float_tuple(value):
    return tuple(float(v) for v in value.split(","))


def int_tuple(value):
    return tuple(int(v) for v in value.split(","))


def get_args_parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_argument_group("run")
    g.add_argument("--preset", default="synthetic", choices=sorted(PRESETS), help="base values; explicit flags win")
    g.add_argument("--run_name", default=None, help="names sess/<run_name> and result/<run_name> (default: the preset)")
    g.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    g.add_argument("--seed", type=int, default=0, help="seed of training and sampling")
    g.add_argument("--num_workers", type=int, default=0, help="DataLoader workers")
    g.add_argument("--overwrite", type=str2bool, default=False, help="redo finished work instead of skipping it")
    g.add_argument("--amp", type=str2bool, default=False, help="bf16 autocast on CUDA")

    g = p.add_argument_group("data")
    g.add_argument("--dataset", default="synthetic", choices=["synthetic", "voc"])
    g.add_argument("--voc12_root", default=None, help="VOC2012 folder (JPEGImages/, ...); synthetic: where it is generated")
    g.add_argument("--sbd_root", default=None, help="SBD dataset folder holding train.txt and val.txt (voc only)")
    g.add_argument("--label_source", default=None, choices=["xml", "mask"], help="image labels from XML or masks")
    g.add_argument("--ood_root", default=None, help="candidate OoD pool folder (JPEGImages/, candidates.txt)")
    g.add_argument("--ood_list", default=None, help="final hard-OoD list (default WOoD_dataset/<run>/ood_list.txt)")
    g.add_argument("--list_dir", default=None, help="where step 0 writes lists and labels (default sess/<run>/lists)")
    g.add_argument("--train_list", default=None, help="classifier training ids (train_aug on VOC)")
    g.add_argument("--val_list", default=None, help="validation ids (loss only; never masks)")
    g.add_argument("--infer_list", default=None, help="ids whose seeds are made and evaluated (VOC train)")

    g = p.add_argument_group("synthetic data set")
    g.add_argument("--syn_seed", type=int, default=0)
    g.add_argument("--syn_image_size", type=int, default=96)
    g.add_argument("--syn_n_train", type=int, default=1200)
    g.add_argument("--syn_n_val", type=int, default=300)
    g.add_argument("--syn_n_probe_per_class", type=int, default=30)
    g.add_argument("--syn_n_ood_hard", type=int, default=240)
    g.add_argument("--syn_n_ood_easy", type=int, default=240)
    g.add_argument("--syn_n_ood_positive", type=int, default=60)
    g.add_argument("--syn_cooccurrence", type=float, default=0.85, help="P(context | class with a context)")
    g.add_argument("--syn_multi_label_rate", type=float, default=0.25)

    g = p.add_argument_group("backbone")
    g.add_argument("--backbone", default="small", choices=["small", "resnet50"])
    g.add_argument("--small_widths", type=int_tuple, default=(32, 64, 128, 256))
    g.add_argument("--backbone_weights", default=None,
                   help="resnet50: a torchvision ImageNet state dict; small: the pretrained stand-in")
    g.add_argument("--backbone_pretrained", type=str2bool, default=True,
                   help="start from pretrained weights (an error if none are found)")

    g = p.add_argument_group("pretraining stand-in (small backbone only)")
    g.add_argument("--pretrain_num_images", type=int, default=4000)
    g.add_argument("--pretrain_epochs", type=int, default=5)
    g.add_argument("--pretrain_batch_size", type=int, default=32)
    g.add_argument("--pretrain_learning_rate", type=float, default=2e-3, help="AdamW, poly decay")

    g = p.add_argument_group("step 1: train the CAM classifier F_in")
    g.add_argument("--cam_batch_size", type=int, default=16)
    g.add_argument("--cam_num_epoches", type=int, default=6)
    g.add_argument("--cam_learning_rate", type=float, default=0.02)
    g.add_argument("--cam_weight_decay", type=float, default=1e-4)
    g.add_argument("--cam_momentum", type=float, default=0.9,
                   help="IRN's PolyOptimizer passed 1e-4 here by accident (momentum ~0); voc uses 0")
    g.add_argument("--cam_crop_size", type=int, default=96)
    g.add_argument("--cam_resize_long", type=int_tuple, default=(72, 128))
    g.add_argument("--cam_weights_name", default=None, help="F_in checkpoint (default sess/<run>/cam_baseline.pth)")

    g = p.add_argument_group("step 2: hard-OoD mining (Sec. 3.1)")
    g.add_argument("--ood_candidate_list", default=None, help="candidate ids (default <ood_root>/candidates.txt)")
    g.add_argument("--ood_score_thres", type=float, default=0.5, help="keep candidates with p(c) >= this")
    g.add_argument("--ood_review", default="simulated", choices=["manual", "simulated", "none"],
                   help="who prunes positives: a person via review.html, the synthetic sidecar, or nobody")
    g.add_argument("--ood_review_decisions", default=None,
                   help="exported decisions file (default WOoD_dataset/<run>/review_decisions.txt)")
    g.add_argument("--ood_num_max", type=int, default=0, help="cap on |D_ood| (0: no cap)")
    g.add_argument("--ood_per_class_max", type=int, default=0, help="cap per class (0: no cap)")
    g.add_argument("--ood_score_batch_size", type=int, default=32, help="1 for candidates of different sizes")
    g.add_argument("--ood_score_size", type=int, default=None, help="resize the long side before scoring")

    g = p.add_argument_group("steps 3-4: clusters and W-OoD training (Sec. 3.2)")
    g.add_argument("--cluster_K", type=int, default=50, help="K of K-means on OoD features (paper: 50)")
    g.add_argument("--ood_cluster", default="kmeans", choices=["kmeans", "predicted"],
                   help="P_ood by K-means, or one group per class F_in predicts (Table 4)")
    g.add_argument("--cluster_file", default=None, help="default sess/<run>/clusters_<settings>.npy")
    g.add_argument("--in_num", type=int, default=0, help="random subset of D_in (0: all; Fig. 5)")
    g.add_argument("--ood_num", type=int, default=0, help="random subset of D_ood (0: all; Fig. 5)")
    g.add_argument("--subset_seed", type=int, default=0, help="seed of the --in_num / --ood_num subsets")
    g.add_argument("--wood_name", default="wood", help="names the checkpoint sess/<run>/cam_<name>.pth and result folder")
    g.add_argument("--wood_cls_in", type=str2bool, default=True, help="L_cls on D_in (Eq. 3)")
    g.add_argument("--wood_cls_ood", type=str2bool, default=True, help="L_cls on D_ood with the zero label (Eq. 3)")
    g.add_argument("--wood_pull", type=str2bool, default=True, help="L_d towards own-class centres P_in (Eq. 2)")
    g.add_argument("--wood_push", type=str2bool, default=True, help="L_d away from top-tau%% OoD centres (Eq. 2)")
    g.add_argument("--distance_lambda", type=float, default=0.007, help="lambda of Eq. 4 (paper: 0.007)")
    g.add_argument("--ood_dist_topk", type=float, default=0.2, help="tau of Eq. 2 as a fraction (paper: 20%%)")
    g.add_argument("--distance_form", default="paper", choices=["paper", "release"],
                   help="paper: Eq. 2 as written; release: the official code's normalisation")
    g.add_argument("--wood_num_epoches", type=int, default=None, help="default: --cam_num_epoches")
    g.add_argument("--wood_learning_rate", type=float, default=None, help="default: --cam_learning_rate")
    g.add_argument("--ood_batch_size", type=int, default=None, help="OoD images per step (default: --cam_batch_size)")
    g.add_argument("--ood_coeff", type=float, default=1.0, help="weight of the OoD term of L_cls (paper: 1)")
    g.add_argument("--ood_adv_climb", type=str2bool, default=False,
                   help="release only: one anti-adversarial step on OoD images before their loss")
    g.add_argument("--ood_adv_eps", type=float, default=0.07, help="release's climb step size")
    g.add_argument("--ood_class_mask", type=int, default=-1,
                   help="release only: drop OoD images whose top class is this index (release: 4); -1 off")

    g = p.add_argument_group("steps 5-6: CAMs and their evaluation")
    g.add_argument("--cam_scales", type=float_tuple, default=(1.0, 0.5, 1.5, 2.0))
    g.add_argument("--cam_models", default="auto",
                   help="classifiers to make CAMs for: comma list of baseline,wood; auto = those trained")
    g.add_argument("--cam_out_dir", default=None, help="only with a single model: overrides result/<run>/<model>/cam")
    g.add_argument("--infer_num", type=int, default=0,
                   help="steps 5-11 on a --subset_seed subset of this many --infer_list images (0 = all)")
    g.add_argument("--cam_method", default="cam",
                   help="seed method(s), comma list of cam,advcam; advcam rows go to result/<run>/<model>_advcam")
    g.add_argument("--adv_iter", type=int, default=27, help="AdvCAM: climbing steps per class and scale")
    g.add_argument("--AD_stepsize", type=float, default=0.08, help="AdvCAM: step size xi")
    g.add_argument("--AD_coeff", type=float, default=7, help="AdvCAM: weight lambda of the masked L1 regulariser")
    g.add_argument("--score_th", type=float, default=0.5, help="AdvCAM: mask = map > score_th * max")
    g.add_argument("--adv_logit", default="logit", choices=["logit", "relu_gap"],
                   help="AdvCAM's y: the classifier logit (paper) or GAP of ReLU'd maps (release)")
    g.add_argument("--adv_map", default="gradcam", choices=["gradcam", "cam"],
                   help="AdvCAM's map A: the release's Grad-CAM (the scale lambda = 7 was set for) or the CAM")
    g.add_argument("--adv_half_iter_small_scale", type=str2bool, default=False,
                   help="AdvCAM, the release's schedule: adv_iter // 2 steps at scale 0.5")
    g.add_argument("--adv_class_batch", type=int, default=0,
                   help="AdvCAM: classes climbed at once (0 = all labelled; 1 saves GPU memory, same result)")
    g.add_argument("--cam_eval_thres", type=float, default=0.15, help="background threshold (IRN: 0.15)")
    g.add_argument("--cam_eval_sweep", type=float_tuple, default=(0.05, 0.95, 0.05), help="start,stop,step")

    g = p.add_argument_group("steps 7-10: IR labels, IRN, random walk, pseudo-masks (Sec. 3.3, Table 2)")
    g.add_argument("--eval_crf", type=str2bool, default=True, help="step 6 also scores the seed refined by the CRF")
    g.add_argument("--conf_fg_thres", type=float, default=0.30, help="confident foreground threshold")
    g.add_argument("--conf_bg_thres", type=float, default=0.15, help="confident background (release 0.15; IRN 0.05)")
    g.add_argument("--crf_workers", type=int, default=2, help="processes for step 7's CRFs")
    g.add_argument("--ir_label_out_dir", default=None, help="only with a single model")
    g.add_argument("--irn_crop_size", type=int, default=96)
    g.add_argument("--irn_resize_long", type=int_tuple, default=(72, 128))
    g.add_argument("--irn_batch_size", type=int, default=16)
    g.add_argument("--irn_num_epoches", type=int, default=3)
    g.add_argument("--irn_learning_rate", type=float, default=0.05)
    g.add_argument("--irn_weight_decay", type=float, default=1e-4)
    g.add_argument("--irn_radius", type=float, default=5, help="pair radius for IRN training (stride-4 grid; IRN 10)")
    g.add_argument("--rw_radius", type=float, default=5, help="pair radius of the random walk (IRN: 5)")
    g.add_argument("--beta", type=float, default=10, help="affinity power of the transition matrix")
    g.add_argument("--exp_times", type=int, default=8, help="2^exp_times random-walk steps")
    g.add_argument("--sem_seg_bg_thres", type=float, default=0.25)
    g.add_argument("--np_power", type=float, default=1.0, help="release option: CAM power before the walk")
    g.add_argument("--sem_seg_out_dir", default=None, help="only with a single model")

    g = p.add_argument_group("steps 11-12: pictures and the run report")
    g.add_argument("--vis_ids", default=None, help="comma list of ids to draw (default: --vis_num sampled ones)")
    g.add_argument("--vis_num", type=int, default=8)
    g.add_argument("--vis_tsne", type=str2bool, default=True, help="Fig. 7's t-SNE of features (needs two classifiers)")
    g.add_argument("--vis_tsne_classes", default="bird,train")

    g = p.add_argument_group("step switches")
    for flag, _ in CHAIN:
        g.add_argument(f"--{flag}", type=str2bool, default=True)
    return p


def parse_args(argv=None):
    """Parse twice: once for the preset, then with the preset as defaults so flags win."""
    parser = get_args_parser()
    first, _ = parser.parse_known_args(argv)
    parser.set_defaults(**PRESETS[first.preset])
    args = parser.parse_args(argv)
    return resolve_paths(args)


def resolve_paths(args):
    """Fill path defaults derived from the run name and dataset."""
    args.run_name = args.run_name or args.preset
    if args.wood_name.endswith("_advcam") or args.wood_name == "baseline":
        raise ValueError(f"--wood_name {args.wood_name!r}: 'baseline' and names ending in _advcam are taken")
    args.sess_dir = os.path.join("sess", args.run_name)
    args.result_dir = os.path.join("result", args.run_name)
    if args.dataset == "synthetic":
        args.voc12_root = args.voc12_root or os.path.join("Data", args.run_name, "VOC2012")
        args.ood_root = args.ood_root or os.path.join("WOoD_dataset", "synthetic_" + args.run_name)
        args.label_source = args.label_source or "mask"
    else:
        args.voc12_root = args.voc12_root or os.path.join("Data", "VOC2012")
        args.ood_root = args.ood_root or os.path.join("WOoD_dataset", "openimages")
        args.label_source = args.label_source or "xml"
    args.ood_list = args.ood_list or os.path.join("WOoD_dataset", args.run_name, "ood_list.txt")
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
    args.wood_num_epoches = args.wood_num_epoches or args.cam_num_epoches
    args.wood_learning_rate = args.wood_learning_rate or args.cam_learning_rate
    args.ood_batch_size = args.ood_batch_size or args.cam_batch_size
    if args.backbone == "small" and not args.backbone_weights:
        # Shared by every run with the same stand-in settings (the pretraining is the slow part).
        widths = "-".join(str(w) for w in args.small_widths)
        args.backbone_weights = os.path.join(
            "sess", "pretrained", f"small_{widths}_px{args.syn_image_size}_n{args.pretrain_num_images}"
            f"_e{args.pretrain_epochs}_lr{args.pretrain_learning_rate:g}_seed{args.syn_seed}.pth")
    return args


def save_config(args):
    from misc.io_utils import save_json

    save_json(os.path.join(args.result_dir, "config.json"),
              {k: list(v) if isinstance(v, tuple) else v for k, v in vars(args).items()})


def setup_logging(result_dir):
    os.makedirs(result_dir, exist_ok=True)
    handlers = [logging.StreamHandler(sys.stdout), logging.FileHandler(os.path.join(result_dir, "log.txt"))]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S",
                        handlers=handlers, force=True)


def record_timing(result_dir, module_name, seconds):
    """Merge one step's wall time into result/<run>/timings.json (cumulative over invocations,
    so the report, the last step, lists every step that ran for this run)."""
    from misc.io_utils import save_json

    path = os.path.join(result_dir, "timings.json")
    timings = json.load(open(path)) if os.path.isfile(path) else {}
    timings[module_name] = round(seconds, 1)
    save_json(path, timings)


def main(argv=None):
    args = parse_args(argv)
    setup_logging(args.result_dir)
    save_config(args)
    log = logging.getLogger("run_sample")
    timings = {}
    for flag, module_name in CHAIN:
        if not getattr(args, flag):
            continue
        log.info("=== %s ===", module_name)
        start = time.time()
        importlib.import_module(module_name).run(args)
        timings[module_name] = round(time.time() - start, 1)
        record_timing(args.result_dir, module_name, timings[module_name])
        log.info("--- %s done in %.1f s", module_name, timings[module_name])
    log.info("wall time per step (s): %s", json.dumps(timings))
    table = os.path.join(args.result_dir, "seed_table.txt")
    if args.eval_cam_pass and os.path.isfile(table):
        log.info("seed quality of this run (%s; report: %s):\n%s", table,
                 os.path.join(args.result_dir, "report.md"), open(table).read().rstrip())


if __name__ == "__main__":
    main()
