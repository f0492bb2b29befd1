"""The chain's steps, the presets and every flag of run_sample.py (its parser).

CHAIN orders the steps; PRESETS holds each preset's values (an explicit flag beats them);
get_args_parser() defines every flag with its help, grouped by step.
"""
import argparse

from misc.chain.cli import (StepParsers, amp_mode, at_least_one, class_index_or_off, count, float_range, four_widths,
                            fraction, frozen_stages, help_formatter, int_range, not_negative, optional_sweep, positive,
                            positive_floats, positive_fraction, positive_ints, str2bool, stride4_crop, sweep,
                            synthetic_class_count)

# (number, name, module) in chain order; `ls step/` lists the same order. A step runs when its
# --<name>_pass is true and --steps / --from select it; --overwrite takes names or numbers.
CHAIN = [
    ("0", "prepare_data", "step.s00_prepare_data"),
    ("0b", "pretrain_backbone", "step.s00_pretrain_backbone"),
    ("1", "train_cam", "step.s01_train_cam"),
    ("2", "mine_ood", "step.s02_mine_hard_ood"),
    ("3", "cluster", "step.s03_cluster"),
    ("4", "train_wood", "step.s04_train_wood"),
    ("5", "make_cam", "step.s05_make_cam"),
    ("6", "eval_cam", "step.s06_eval_cam"),
    ("7", "cam_to_ir_label", "step.s07_cam_to_ir_label"),
    ("8", "train_irn", "step.s08_train_irn"),
    ("9", "make_sem_seg", "step.s09_make_sem_seg"),
    ("10", "eval_sem_seg", "step.s10_eval_sem_seg"),
    ("11", "train_seg", "step.s11_train_seg"),
    ("12", "eval_seg", "step.s12_eval_seg"),
    ("13", "vis", "step.s13_visualize"),
    ("14", "report", "step.s14_report"),
]
STEP_NAMES = [name for _, name, _ in CHAIN]
# `--overwrite true` redoes the run's own work; the data set and the shared pretraining stand-in
# (slow, and the same bytes again) only with `all` or by name.
OVERWRITE_TRUE = [n for n in STEP_NAMES if n not in ("prepare_data", "pretrain_backbone")]

STEPS = StepParsers(CHAIN, OVERWRITE_TRUE)


def selected_steps(args):
    """The chain's steps this invocation runs, in order, as (name, module): pass flag on, and in
    --steps / --from."""
    chosen = []
    for index, (_, name, module) in enumerate(CHAIN):
        if not getattr(args, f"{name}_pass"):
            continue
        if args.steps is not None and name not in args.steps:
            continue
        if args.from_step is not None and index < args.from_step:
            continue
        chosen.append((name, module))
    return chosen

PRESETS = {
    # The paper setting: VOC 2012 + SBD, ImageNet ResNet-50, IRN's schedule. L_d in the release's
    # form: the paper's lambda = 0.007 was set in the authors' code, whose normalisation makes the
    # push term ~50x smaller than Eq. 2 as written on the same batch (docs/differences.md); Eq. 2
    # as written is --distance_form paper.
    "voc": dict(dataset="voc", backbone="resnet50", backbone_pretrained=True, cam_batch_size=16,
                cam_num_epoches=5, cam_learning_rate=0.1, cam_weight_decay=1e-4, cam_momentum=0.0,
                cam_crop_size=512, cam_resize_long=(320, 640), num_workers=4,
                pretrain_backbone_pass=False, ood_review="manual", ood_score_batch_size=1,
                distance_form="release", irn_crop_size=512, irn_resize_long=(320, 640), irn_batch_size=32,
                irn_learning_rate=0.1, irn_radius=10, adv_class_batch=1,
                # As IRN and the release run it: stages 1-2 frozen, IRN on train_aug with its
                # scale augmentation and its padding at inference, PIL bicubic resizing; the release's
                # K-means and OoD feature size.
                cam_frozen_stages=2, irn_ids="train", irn_augment="scale", irn_infer_pad=512,
                resize_kernel="pil_bicubic", kmeans="release", ood_feature_size=500,
                # Table 3: DeepLab-v2 on ResNet-101 with deeplab-pytorch's configs/voc12.yaml.
                seg_ids="train", seg_backbone="resnet101", seg_crop_size=321,
                seg_train_scales=(0.5, 0.75, 1.0, 1.25, 1.5), seg_batch_size=10, seg_num_epoches=19,
                seg_learning_rate=2.5e-4, seg_infer_scales=(0.5, 0.75, 1.0, 1.25, 1.5), seg_full_supervision=False),
    # MS COCO 2014 (an extension: the paper reports VOC only): the voc preset's network, IRN and
    # W-OoD settings (lambda, tau, K untuned for COCO) with ReCAM's COCO seed thresholds
    # (run_sample_coco.py: conf_fg 0.35, conf_bg 0.1, cam_eval 0.15, sem_seg_bg 0.25) and L2G's
    # COCO DeepLab-v2 schedule (deeplab-pytorch/configs/coco_resnet_dplv2.yaml: batch 20, 50k
    # iterations = 12 epochs of 82,081 images, lr 2.5e-4, crop 321). docs/beyond_voc.md.
    "coco": None,
    # The embedded default: synthetic data, small backbone, CPU in minutes. Eq. 2 as written
    # diverges on the small backbone (feature norm 12 -> 46 within two epochs, docs/results.md), so L_d
    # takes the official release's normalisation here.
    # The random walk's 2^exp_times steps scale with the grid: a 24x24 stride-4 grid is ~20x smaller
    # than a VOC image's, so 2^4 steps here match IRN's 2^8 there (2^8 flooded whole images).
    # ASPP rates scaled to the 12x12 stride-8 maps of 96 px images (VOC's 321 crop gives 40x40).
    "synthetic": dict(dataset="synthetic", distance_form="release", exp_times=4, seg_aspp_rates=(2, 4, 6, 8)),
    # The same data design and method at 0.36 of the time: 480 train images, the pretraining
    # stand-in on 2,000 images x 3 epochs, CAM scales (1.0, 0.5, 1.5), Table 3 for 5 epochs. Its
    # gains hold over 3 seeds but vary 4-5x more, and moved with the thread count (docs/speed.md),
    # so it is not the default.
    "synthetic-fast": dict(dataset="synthetic", distance_form="release", exp_times=4, seg_aspp_rates=(2, 4, 6, 8),
                           syn_n_train=480, pretrain_num_images=2000, pretrain_epochs=3, cam_scales=(1.0, 0.5, 1.5),
                           seg_num_epoches=5),
    # Every step on a tiny synthetic set, about a minute on 2 cores.
    "smoke": dict(dataset="synthetic", syn_image_size=64, syn_n_train=96, syn_n_val=32,
                  syn_n_probe_per_class=4, syn_n_ood_hard=24, syn_n_ood_easy=24, syn_n_ood_positive=8,
                  small_widths=(16, 32, 64, 128), pretrain_num_images=600, pretrain_epochs=1,
                  cam_num_epoches=2, cam_crop_size=64, cam_resize_long=(48, 80), cam_scales=(1.0, 0.5),
                  distance_form="release", irn_crop_size=64, irn_resize_long=(48, 80), irn_num_epoches=1,
                  exp_times=4, seg_aspp_rates=(1, 2, 3, 4), seg_crop_size=64, seg_num_epoches=1, seg_batch_size=4,
                  seg_infer_scales=(1.0,)),
}
PRESETS["coco"] = dict(PRESETS["voc"], dataset="coco", conf_fg_thres=0.35, conf_bg_thres=0.1, cam_eval_thres=0.15,
                       sem_seg_bg_thres=0.25, seg_batch_size=20, seg_num_epoches=12, seg_learning_rate=2.5e-4)


# Table 3's training recipes on VOC, a flag set each (--seg_recipe; explicit flags still win).
# deeplab-pytorch: its configs/voc12.yaml, what the voc preset takes (20k iterations x batch 10).
# author: the paper's first author's settings, given to users who could not reach the published
# DeepLab numbers (github.com/jbeomlee93/AdvCAM/issues/9): batch 10, 30,000 iterations, lr 2.5e-4,
# training scales 0.5-2.0, ImageNet initialisation and DSRG's balanced cross-entropy. Epochs are
# iterations x batch / 10,582 train_aug images: 20k -> 19, 30k -> 28.
SEG_RECIPES = {
    "deeplab-pytorch": dict(seg_batch_size=10, seg_num_epoches=19, seg_learning_rate=2.5e-4,
                            seg_train_scales=(0.5, 0.75, 1.0, 1.25, 1.5), seg_loss="ce"),
    "author": dict(seg_batch_size=10, seg_num_epoches=28, seg_learning_rate=2.5e-4,
                   seg_train_scales=(0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0), seg_loss="balanced"),
}


def get_args_parser(description=None):
    p = argparse.ArgumentParser(description=description, formatter_class=help_formatter(PRESETS))
    g = p.add_argument_group("run")
    g.add_argument("--preset", default="synthetic", choices=sorted(PRESETS), help="base values; explicit flags win")
    g.add_argument("--run_name", default=None, help="names sess/<run_name> and result/<run_name> (default: the preset)")
    g.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    g.add_argument("--seed", type=count, default=0, help="seed of training and sampling")
    g.add_argument("--num_workers", type=count, default=0, help="DataLoader workers")
    g.add_argument("--overwrite", type=STEPS.overwrite, default="false",
                   help="redo finished work of these steps: false, true (every step but prepare_data and "
                        "pretrain_backbone), all, or a comma list of names/numbers (train_wood,make_cam)")
    g.add_argument("--steps", type=STEPS.selection, default=None,
                   help="run only these steps: numbers or names, ranges with '-' (4-6, 0-1,8, make_cam)")
    g.add_argument("--from", dest="from_step", type=STEPS.index, default=None,
                   help="run this step (number or name) and every later one")
    g.add_argument("--amp", type=amp_mode, default=False,
                   help="false | true (= bf16) | fp16: autocast inside every network (training and inference "
                        "steps; CUDA and CPU), fp32 outside it; fp16 adds a GradScaler in training, for GPUs "
                        "without bf16 (misc/chain/amp.py)")

    g = p.add_argument_group("data")
    g.add_argument("--dataset", default="synthetic", choices=["synthetic", "voc", "coco", "folder"],
                   help="synthetic: the embedded data set; voc: Pascal VOC 2012 (+ SBD); coco: MS COCO 2014 "
                        "(--coco_root); folder: your own classes and images (--folder_root, voc12/folder.py)")
    g.add_argument("--coco_root", default=None,
                   help="coco: the folder holding annotations/, train2014/, val2014/ (default Data/coco)")
    g.add_argument("--coco_crowd", default="background", choices=["background", "ignore"],
                   help="coco: crowd regions in the ground-truth masks: background (ReCAM's mscoco/annToMask.py, "
                        "non-crowd instances only) or ignore (255, left out of every metric)")
    g.add_argument("--folder_root", default=None,
                   help="folder: the data set folder (class_names.txt, labels.csv, images/, train.txt, val.txt, "
                        "optional masks/ and ood/)")
    g.add_argument("--voc12_root", default=None,
                   help="VOC2012 folder (JPEGImages/, ...); synthetic: where it is generated; coco, folder: where "
                        "step 0 writes the VOC-format view (default Data/coco2014, Data/<run>/view)")
    g.add_argument("--sbd_root", default=None, help="SBD dataset folder holding train.txt and val.txt (voc only)")
    g.add_argument("--label_source", default=None, choices=["xml", "mask"], help="image labels from XML or masks")
    g.add_argument("--ood_root", default=None, help="candidate OoD pool folder (JPEGImages/, candidates.txt)")
    g.add_argument("--ood_list", default=None, help="final hard-OoD list (default WOoD_dataset/<run>/ood_list.txt)")
    g.add_argument("--list_dir", default=None, help="where step 0 writes lists and labels (default sess/<run>/lists)")
    g.add_argument("--train_list", default=None, help="classifier training ids (train_aug on VOC)")
    g.add_argument("--val_list", default=None, help="validation ids (loss only; never masks)")
    g.add_argument("--infer_list", default=None, help="ids whose seeds are made and evaluated (VOC train)")

    g = p.add_argument_group("synthetic data set")
    g.add_argument("--syn_seed", type=count, default=0, help="seed of the synthetic generator (same seed, same bytes)")
    g.add_argument("--syn_image_size", type=at_least_one, default=96, help="side of the square synthetic images (px)")
    g.add_argument("--syn_n_train", type=at_least_one, default=1200,
                   help="synthetic train images (D_in; seeds are evaluated on them)")
    g.add_argument("--syn_n_val", type=at_least_one, default=300, help="synthetic val images")
    g.add_argument("--syn_n_probe_per_class", type=count, default=30,
                   help="objects on neutral backgrounds per class (the spurious-cue probe)")
    g.add_argument("--syn_n_ood_hard", type=count, default=240, help="context-only candidates in the OoD pool (hard OoD)")
    g.add_argument("--syn_n_ood_easy", type=count, default=240, help="unrelated candidates in the OoD pool (easy OoD)")
    g.add_argument("--syn_n_ood_positive", type=count, default=60,
                   help="candidates that do show an object (the reviewer must remove them)")
    g.add_argument("--syn_cooccurrence", type=fraction, default=0.85, help="P(context | class with a context)")
    g.add_argument("--syn_context_variation", type=fraction, default=0.0,
                   help="how much a context's look varies (0-1: hue, brightness, stripes); 0 = one look per context")
    g.add_argument("--syn_num_classes", type=synthetic_class_count, default=6,
                   help="classes of the synthetic set: 6 (bird, boat, train with their contexts; bottle, chair, "
                        "tvmonitor) or 2-10 (the first of those and car, pottedplant, sofa, person)")
    g.add_argument("--syn_multi_label_rate", type=fraction, default=0.25, help="share of images with two classes")

    g = p.add_argument_group("backbone")
    g.add_argument("--backbone", default="small", choices=["small", "resnet50"],
                   help="resnet50: the paper (IRN strides, ImageNet weights); small: the CPU stand-in")
    g.add_argument("--small_widths", type=four_widths, default=(32, 64, 128, 256),
                   help="channels of the small backbone stages")
    g.add_argument("--backbone_weights", default=None,
                   help="resnet50: a torchvision ImageNet state dict, or torchvision (IMAGENET1K_V1 from torch's hub "
                        "cache, downloaded when online); small: the pretrained stand-in")
    g.add_argument("--backbone_pretrained", type=str2bool, default=True,
                   help="start from pretrained weights (an error if none are found)")
    g.add_argument("--resize_kernel", default="cv2_bilinear", choices=["pil_bicubic", "cv2_bilinear"],
                   help="image resize of the augmentation, the CAM scales and IRN's training (IRN: pil_bicubic)")

    g = p.add_argument_group("pretraining stand-in (small backbone only)")
    g.add_argument("--pretrain_num_images", type=at_least_one, default=4000, help="images of the pretraining stand-in task")
    g.add_argument("--pretrain_epochs", type=at_least_one, default=5, help="epochs of the pretraining stand-in")
    g.add_argument("--pretrain_batch_size", type=at_least_one, default=32, help="batch of the pretraining stand-in")
    g.add_argument("--pretrain_learning_rate", type=positive, default=2e-3, help="AdamW, poly decay")

    g = p.add_argument_group("step 1: train the CAM classifier F_in")
    g.add_argument("--cam_batch_size", type=at_least_one, default=16, help="F_in / W-OoD batch of D_in images (IRN: 16)")
    g.add_argument("--cam_num_epoches", type=at_least_one, default=6, help="F_in epochs (IRN: 5)")
    g.add_argument("--cam_learning_rate", type=positive, default=0.02, help="F_in backbone lr; classifier 10x (IRN: 0.1)")
    g.add_argument("--cam_weight_decay", type=not_negative, default=1e-4, help="SGD weight decay of F_in and W-OoD")
    g.add_argument("--cam_momentum", type=not_negative, default=0.9,
                   help="IRN's PolyOptimizer passed 1e-4 here by accident (momentum ~0); voc uses 0")
    g.add_argument("--cam_crop_size", type=at_least_one, default=96, help="random crop of the classifier training (IRN: 512)")
    g.add_argument("--cam_resize_long", type=int_range, default=(72, 128),
                   help="random resize of the long side before the crop, min,max (IRN: 320,640)")
    g.add_argument("--cam_frozen_stages", type=frozen_stages, default=0,
                   help="residual stages frozen after the stem in steps 1 and 4 (IRN, release: 2, only "
                        "stages 3-4 and the classifier train)")
    g.add_argument("--cam_weights_name", default=None, help="F_in checkpoint (default sess/<run>/cam_baseline.pth)")

    g = p.add_argument_group("step 2: hard-OoD mining (Sec. 3.1)")
    g.add_argument("--ood_candidate_list", default=None, help="candidate ids (default <ood_root>/candidates.txt)")
    g.add_argument("--ood_score_thres", type=fraction, default=0.5, help="keep candidates with p(c) >= this")
    g.add_argument("--ood_review", default="simulated", choices=["manual", "simulated", "none"],
                   help="who prunes positives: a person via review.html, the synthetic sidecar, or nobody")
    g.add_argument("--ood_review_decisions", default=None,
                   help="exported decisions file (default WOoD_dataset/<run>/review_decisions.txt)")
    g.add_argument("--ood_num_max", type=count, default=0, help="cap on |D_ood| (0: no cap)")
    g.add_argument("--ood_per_class_max", type=count, default=0, help="cap per class (0: no cap)")
    g.add_argument("--ood_score_batch_size", type=at_least_one, default=32, help="1 for candidates of different sizes")
    g.add_argument("--ood_score_size", type=at_least_one, default=None, help="resize the long side before scoring")

    g = p.add_argument_group("steps 3-4: clusters and W-OoD training (Sec. 3.2)")
    g.add_argument("--cluster_K", type=at_least_one, default=50, help="K of K-means on OoD features (paper: 50)")
    g.add_argument("--ood_cluster", default="kmeans", choices=["kmeans", "predicted"],
                   help="P_ood by K-means, or one group per class F_in predicts (Table 4)")
    g.add_argument("--cluster_file", default=None, help="default sess/<run>/clusters_<settings>.npy")
    g.add_argument("--kmeans", default="sklearn", choices=["sklearn", "release"],
                   help="sklearn: k-means++, best of 10 starts; release: the first K features as centres, "
                        "10 Lloyd iterations")
    g.add_argument("--ood_feature_size", type=count, default=0,
                   help="long side the D_ood images are resized to for their features (0: own size; release 500)")
    g.add_argument("--in_num", type=count, default=0, help="random subset of D_in (0: all; Fig. 5)")
    g.add_argument("--ood_num", type=count, default=0, help="random subset of D_ood (0: all; Fig. 5)")
    g.add_argument("--subset_seed", type=count, default=0, help="seed of the --in_num / --ood_num subsets")
    g.add_argument("--wood_name", default="wood", help="names the checkpoint sess/<run>/cam_<name>.pth and result folder")
    g.add_argument("--wood_cls_in", type=str2bool, default=True, help="L_cls on D_in (Eq. 3)")
    g.add_argument("--wood_cls_ood", type=str2bool, default=True, help="L_cls on D_ood with the zero label (Eq. 3)")
    g.add_argument("--wood_pull", type=str2bool, default=True, help="L_d towards own-class centres P_in (Eq. 2)")
    g.add_argument("--wood_push", type=str2bool, default=True, help="L_d away from top-tau%% OoD centres (Eq. 2)")
    g.add_argument("--distance_lambda", type=not_negative, default=0.007, help="lambda of Eq. 4 (paper: 0.007)")
    g.add_argument("--ood_dist_topk", type=positive_fraction, default=0.2, help="tau of Eq. 2 as a fraction (paper: 20%%)")
    g.add_argument("--distance_form", default="paper", choices=["paper", "release"],
                   help="paper: Eq. 2 as written; release: the official code's normalisation")
    g.add_argument("--wood_num_epoches", type=at_least_one, default=None, help="default: --cam_num_epoches")
    g.add_argument("--wood_learning_rate", type=positive, default=None, help="default: --cam_learning_rate")
    g.add_argument("--ood_batch_size", type=at_least_one, default=None, help="OoD images per step (default: --cam_batch_size)")
    g.add_argument("--ood_coeff", type=not_negative, default=1.0, help="weight of the OoD term of L_cls (paper: 1)")
    g.add_argument("--ood_adv_climb", type=str2bool, default=False,
                   help="release only: one anti-adversarial step on OoD images before their loss")
    g.add_argument("--ood_adv_eps", type=not_negative, default=0.07, help="release's climb step size")
    g.add_argument("--ood_class_mask", type=class_index_or_off, default=-1,
                   help="release only: drop OoD images whose top class is this index (release: 4); -1 off")

    g = p.add_argument_group("steps 5-6: CAMs and their evaluation")
    g.add_argument("--cam_scales", type=positive_floats, default=(1.0, 0.5, 1.5, 2.0),
                   help="CAM inference scales, each with its flip (IRN: 1.0,0.5,1.5,2.0)")
    g.add_argument("--cam_models", default="auto",
                   help="classifiers to make CAMs for: comma list of baseline,wood; auto = those trained")
    g.add_argument("--cam_out_dir", default=None, help="only with a single model: overrides result/<run>/<model>/cam")
    g.add_argument("--infer_num", type=count, default=0,
                   help="steps 5-10 and 13 on a --subset_seed subset of this many --infer_list images (0 = all)")
    g.add_argument("--cam_method", default="cam",
                   help="seed method(s), comma list of cam,advcam; advcam rows go to result/<run>/<model>_advcam")
    g.add_argument("--adv_iter", type=at_least_one, default=27, help="AdvCAM: climbing steps per class and scale")
    g.add_argument("--AD_stepsize", type=not_negative, default=0.08, help="AdvCAM: step size xi")
    g.add_argument("--AD_coeff", type=not_negative, default=7, help="AdvCAM: weight lambda of the masked L1 regulariser")
    g.add_argument("--score_th", type=fraction, default=0.5, help="AdvCAM: mask = map > score_th * max")
    g.add_argument("--adv_logit", default="logit", choices=["logit", "relu_gap"],
                   help="AdvCAM's y: the classifier logit (paper) or GAP of ReLU'd maps (release)")
    g.add_argument("--adv_map", default="gradcam", choices=["gradcam", "cam"],
                   help="AdvCAM's map A: the release's Grad-CAM (the scale lambda = 7 was set for) or the CAM")
    g.add_argument("--adv_half_iter_small_scale", type=str2bool, default=False,
                   help="AdvCAM, the release's schedule: adv_iter // 2 steps at scale 0.5")
    g.add_argument("--adv_class_batch", type=count, default=0,
                   help="AdvCAM: classes climbed at once (0 = all labelled; 1 saves GPU memory, same result)")
    g.add_argument("--cam_high_res_dtype", default="float32", choices=["float32", "float16"],
                   help="dtype of the full-resolution maps in the CAM files (float16: half the disk, seeds within "
                        "rounding; readers get float32)")
    g.add_argument("--cam_eval_thres", type=fraction, default=0.15, help="background threshold (IRN: 0.15)")
    g.add_argument("--cam_eval_sweep", type=sweep, default=(0.05, 0.95, 0.05), help="start,stop,step")
    g.add_argument("--cam_eval_release_sweep", type=sweep, default=(0.08, 0.14, 0.01),
                   help="start,stop,step of the release's seed protocol (its run_sample.py: best of eval_cam at "
                        "0.08-0.14), a row of its own, ground-truth-chosen")

    g = p.add_argument_group("steps 7-10: IR labels, IRN, random walk, pseudo-masks (Sec. 3.3, Table 2)")
    g.add_argument("--eval_crf", type=str2bool, default=True, help="step 6 also scores the seed refined by the CRF")
    g.add_argument("--conf_fg_thres", type=fraction, default=0.30, help="confident foreground threshold")
    g.add_argument("--conf_bg_thres", type=fraction, default=0.15, help="confident background (release 0.15; IRN 0.05)")
    g.add_argument("--crf_workers", type=at_least_one, default=2, help="processes for the dense CRFs of steps 6 and 7")
    g.add_argument("--ir_label_out_dir", default=None, help="only with a single model")
    g.add_argument("--irn_ids", default="infer", choices=["infer", "train"],
                   help="images IRN trains on (steps 5, 7 make CAMs and IR labels for them): the --infer_list, "
                        "or the --train_list (train_aug on VOC, as IRN)")
    g.add_argument("--irn_crop_size", type=stride4_crop, default=96, help="IRN training crop (a multiple of 4)")
    g.add_argument("--irn_augment", default="resize_long", choices=["scale", "resize_long"],
                   help="IRN's training rescale: a random scale in --irn_scale_range (IRN) or a random long side")
    g.add_argument("--irn_scale_range", type=float_range, default=(0.5, 1.5), help="min,max of --irn_augment scale")
    g.add_argument("--irn_resize_long", type=int_range, default=(72, 128),
                   help="min,max long side of --irn_augment resize_long")
    g.add_argument("--irn_label_sampling", default="centre", choices=["centre", "corner"],
                   help="IR label onto the stride-4 grid at each cell's centre pixel (IRN) or corner")
    g.add_argument("--irn_pair_sources", default="interior", choices=["interior", "all"],
                   help="training pairs from the sources whose every partner is in the crop (IRN), or all")
    g.add_argument("--irn_path", default="band", choices=["band", "line"],
                   help="cells between a pair: every cell closer than 1 to the segment (IRN) or the rounded line")
    g.add_argument("--irn_edge_branch", default="irn", choices=["irn", "compact"],
                   help="boundary branch: IRN's five levels (stem included, upsample then ReLU) or four")
    g.add_argument("--irn_infer_pad", type=count, default=0,
                   help="pad images to this square before the boundary map (IRN: 512; 0: no padding)")
    g.add_argument("--irn_batch_size", type=at_least_one, default=16, help="IRN batch (IRN: 32)")
    g.add_argument("--irn_num_epoches", type=at_least_one, default=3, help="IRN epochs")
    g.add_argument("--irn_learning_rate", type=positive, default=0.05, help="IRN lr of the boundary branch")
    g.add_argument("--irn_weight_decay", type=not_negative, default=1e-4, help="IRN weight decay")
    g.add_argument("--irn_radius", type=positive, default=5, help="pair radius for IRN training (stride-4 grid; IRN 10)")
    g.add_argument("--rw_radius", type=positive, default=5, help="pair radius of the random walk (IRN: 5)")
    g.add_argument("--beta", type=positive, default=10, help="affinity power of the transition matrix")
    g.add_argument("--exp_times", type=count, default=8, help="2^exp_times random-walk steps")
    g.add_argument("--sem_seg_bg_thres", type=fraction, default=0.25, help="background score of the walked maps (IRN: 0.25)")
    g.add_argument("--sem_seg_eval_sweep", type=optional_sweep, default=(0.05, 0.95, 0.05),
                   help="start,stop,step of step 10's mask threshold sweep from the kept walk scores (off: none)")
    g.add_argument("--np_power", type=positive, default=1.0, help="release option: CAM power before the walk")
    g.add_argument("--sem_seg_out_dir", default=None, help="only with a single model")

    g = p.add_argument_group("steps 11-12: the segmentation network on the pseudo-masks (Table 3)")
    g.add_argument("--seg_ids", default="infer", choices=["infer", "train"],
                   help="its training images: the --infer_list or the --train_list (train_aug on VOC); step 9 "
                        "makes their pseudo-masks")
    g.add_argument("--seg_seed", type=count, default=None,
                   help="the networks' own training seed (default --seed); given, their files get a _seed<k> suffix")
    g.add_argument("--seg_net", default="deeplabv2", choices=["deeplabv2", "deeplabv3"],
                   help="DeepLab-v2 (ASPP of four 3x3 rates, summed; the paper) or torchvision's DeepLab-v3 head")
    g.add_argument("--seg_backbone", default="small", choices=["resnet101", "small"],
                   help="resnet101 (output stride 8, ImageNet weights: --seg_backbone_weights) or the small stand-in")
    g.add_argument("--seg_backbone_weights", default=None,
                   help="torchvision ResNet-101 ImageNet state dict, or torchvision (IMAGENET1K_V1 through its weight API)")
    g.add_argument("--seg_loss", default="ce", choices=["ce", "balanced"],
                   help="ce: cross-entropy over labelled pixels (deeplab-pytorch); balanced: DSRG's, background and "
                        "foreground pixels averaged apart per image (the author's recipe)")
    g.add_argument("--seg_recipe", default=None, choices=sorted(SEG_RECIPES),
                   help="Table 3's flag set on VOC: deeplab-pytorch (the voc preset's) or author (jbeomlee93/AdvCAM#9: "
                        "30k iterations, scales 0.5-2.0, balanced loss); explicit --seg_* flags win")
    g.add_argument("--seg_aspp_rates", type=positive_ints, default=(6, 12, 18, 24), help="ASPP dilation rates")
    g.add_argument("--seg_crop_size", type=at_least_one, default=96, help="training crop (deeplab-pytorch VOC: 321)")
    g.add_argument("--seg_train_scales", type=positive_floats, default=(0.75, 1.0, 1.25),
                   help="training scale drawn from these (deeplab-pytorch: 0.5,0.75,1.0,1.25,1.5)")
    g.add_argument("--seg_batch_size", type=at_least_one, default=16, help="batch (deeplab-pytorch: 5 x 2 accumulated)")
    g.add_argument("--seg_accumulate", type=at_least_one, default=1,
                   help="micro-batches per step: the batch runs as seg_batch_size / seg_accumulate images at a time, "
                        "gradients summed (deeplab-pytorch's iter_size 2: batch 10 as 5 x 2, for 11-12 GB cards)")
    g.add_argument("--seg_num_epoches", type=at_least_one, default=8, help="epochs (deeplab-pytorch: 20k x 10 / 10,582 = 19)")
    g.add_argument("--seg_learning_rate", type=positive, default=0.001,
                   help="backbone lr; head weights 10x, biases 20x (deeplab-pytorch: 2.5e-4)")
    g.add_argument("--seg_weight_decay", type=not_negative, default=5e-4, help="SGD weight decay (deeplab-pytorch: 5e-4)")
    g.add_argument("--seg_momentum", type=not_negative, default=0.9, help="SGD momentum (deeplab-pytorch: 0.9)")
    g.add_argument("--seg_infer_scales", type=positive_floats, default=(0.75, 1.0, 1.25),
                   help="inference scales, each with its flip, averaged (msf)")
    g.add_argument("--seg_crf", type=str2bool, default=True, help="also score the dense CRF on the msf output")
    g.add_argument("--seg_full_supervision", type=str2bool, default=True,
                   help="also train on the ground-truth masks of the same images (the upper bound)")
    g.add_argument("--seg_test_list", default=None,
                   help="VOC test ids: predictions written in the evaluation server's layout")
    g.add_argument("--seg_test_root", default=None, help="the VOC2012 test devkit folder (default --voc12_root)")

    g = p.add_argument_group("steps 13-14: pictures and the run report")
    g.add_argument("--vis_ids", default=None, help="comma list of ids to draw (default: --vis_num sampled ones)")
    g.add_argument("--vis_num", type=count, default=8, help="images drawn by step 13 when --vis_ids is not given")
    g.add_argument("--vis_tsne", type=str2bool, default=True, help="Fig. 7's t-SNE of features (needs two classifiers)")
    g.add_argument("--vis_tsne_classes", default="bird,train", help="two classes of the t-SNE picture (Fig. 7)")

    g = p.add_argument_group("step switches")
    for number, name, module in CHAIN:
        g.add_argument(f"--{name}_pass", type=str2bool, default=True, help=f"step {number} ({module})")
    return p
