"""Step 13: pictures of a run (paper Fig. 3, 6, 7 and the appendix's OoD clusters).

Writes under result/<run>/vis/:
  <id>.png               per image: the image, the ground truth, and per classifier its CAM as a
                         heat map (max over the image's classes), its seed at --cam_eval_thres and,
                         when steps 7-9 made them, its IR label and pseudo-mask, and (step 11)
                         its segmentation network's prediction; rows = classifiers
  compare.png            those rows for all chosen ids stacked (Fig. 3 side by side)
  threshold_sweep.png    seed mIoU / precision / recall against the threshold, per classifier
  per_class_delta.png    per-class IoU of the baseline and the last classifier, sorted by gain (Fig. 6)
  ood_clusters.png       samples of the largest OoD K-means clusters (appendix Fig. A2)
  feature_tsne.png       t-SNE of z for in-distribution and OoD images of two classes, F_in vs
                         W-OoD (Fig. 7)
"""
import json
import logging
import os

import numpy as np

from misc import io_utils
from misc.chain import layout, rerun
from misc.chain.amp import amp_record, set_amp
from misc.chain.ground_truth import lacks_ground_truth
from misc.chain.layout import cam_dir, checkpoint_of, ir_label_dir, sem_seg_dir
from misc.chain.row_names import classifier_of
from misc.chain.rows import selected_rows
from misc.chain.subsets import infer_ids
from misc.images import load_rgb
from misc.method.clustering import load_cluster_file
from misc.method.scoring import forward_images
from misc.metrics import cam_to_seed
from misc.report import plots
from misc.report.visualize import cam_overlay, colorize_labels, hstack, label_tile, vstack
from misc.torchutils import resolve_device
from net.deeplab import load_seg_net
from net.factory import load_cam_net
from net.seg_inference import predict
from voc12.datasets import load_gt_mask
from voc12.voc_lists import load_cls_labels

log = logging.getLogger(__name__)


def choose_ids(args, ids):
    if args.vis_ids:
        return [i.strip() for i in args.vis_ids.split(",") if i.strip()]
    rng = np.random.default_rng(args.seed)
    return sorted(rng.choice(ids, min(args.vis_num, len(ids)), replace=False).tolist())


def image_rows(args, image_id, rows, seg_nets=None, device=None):
    """One row of tiles per classifier for one image; seg_nets {row: Table 3's network} add its
    single-scale prediction (on a training image: how the network fits its own pseudo-masks)."""
    rgb = load_rgb(layout.image_dir(args.voc12_root), image_id)
    has_gt = not lacks_ground_truth(args, [image_id])
    gt = load_gt_mask(args.voc12_root, image_id) if has_gt else np.zeros(rgb.shape[:2], np.uint8)
    strips = []
    for row in rows:
        cam = io_utils.load_cam_dict(os.path.join(cam_dir(args, row, rows), image_id + ".npy"))
        heat = cam["high_res"].max(0) if len(cam["keys"]) else np.zeros(gt.shape)
        tiles = [label_tile(rgb, f"{image_id}"), label_tile(colorize_labels(gt), "ground truth" if has_gt else "no ground truth"),
                 label_tile(cam_overlay(rgb, heat), f"{row} CAM"),
                 label_tile(colorize_labels(cam_to_seed(cam["high_res"], cam["keys"], args.cam_eval_thres)),
                            f"{row} seed t={args.cam_eval_thres:.2f}")]
        for folder, caption in ((ir_label_dir(args, row, rows), "IR label"),
                                (sem_seg_dir(args, row, rows), "pseudo-mask")):
            path = os.path.join(folder, image_id + ".png")
            if os.path.isfile(path):
                tiles.append(label_tile(colorize_labels(io_utils.load_label_png(path)), f"{row} {caption}"))
        if seg_nets and row in seg_nets:
            labels = predict(seg_nets[row], rgb, (1.0,), device)["single"].argmax(0)
            tiles.append(label_tile(colorize_labels(labels), f"{row} segmentation"))
        strips.append(hstack(tiles))
    return vstack(strips)


def ood_cluster_grid(args, max_clusters=8, per_cluster=6):
    clusters = load_cluster_file(args.cluster_file)
    assignment, ids = clusters["ood_assignment"], clusters["ood_ids"]
    largest = np.argsort(-np.bincount(assignment))[:max_clusters]
    rows = []
    for k in largest:
        members = [ids[i] for i in np.flatnonzero(assignment == k)[:per_cluster]]
        tiles = [label_tile(load_rgb(layout.ood_image_dir(args), i), f"cluster {k}", scale=1)
                 for i in members]
        rows.append(hstack(tiles))
    return vstack(rows)


def tsne_groups(args, rows, class_names, device, per_set=80):
    """Fig. 7 inputs: z of single-label D_in images and of D_ood images F_in predicts as two classes."""
    wanted = [c for c in args.vis_tsne_classes.split(",") if c in class_names][:2] or class_names[:2]
    train_ids = io_utils.read_ids(args.train_list, "train list")
    labels = load_cls_labels(args.cls_labels, train_ids)
    ood_ids = io_utils.read_ids(args.ood_list, "hard-OoD list")
    f_in, _ = load_cam_net(args.cam_weights_name, device)
    set_amp(f_in, args.amp)
    probs, _, scored, _ = forward_images(f_in, ood_ids, layout.ood_image_dir(args), device,
                                         args.ood_score_batch_size)
    sets = {}
    for name in wanted:
        c = class_names.index(name)
        sets[f"{name} (D_in)"] = [i for i in train_ids if labels[i].sum() == 1 and labels[i][c] == 1][:per_set]
        sets[f"{name} (OoD)"] = [i for i, p in zip(scored, probs) if p.argmax() == c][:per_set]
    groups = {}
    for row in rows:
        net, _ = load_cam_net(checkpoint_of(args, row), device)
        set_amp(net, args.amp)
        groups[row] = {}
        for label, ids in sets.items():
            folder = layout.image_dir(args.voc12_root) if "D_in" in label else layout.ood_image_dir(args)
            _, z, _, _ = forward_images(net, ids, folder, device, args.ood_score_batch_size)
            groups[row][label] = z
    return groups


VIS_FLAGS = ("vis_ids", "vis_num", "vis_tsne", "vis_tsne_classes", "cam_eval_thres", "seed", "infer_num",
             "subset_seed", "ood_score_batch_size")


def made_from(args, rows):
    """Every file the pictures are drawn from, and the flags that choose and draw them."""
    inputs = {"data": args.list_dir, "clusters": args.cluster_file, "ood_list": args.ood_list}
    for row in rows:
        inputs.update({f"{row}/cam": cam_dir(args, row, rows), f"{row}/ir_label": ir_label_dir(args, row, rows),
                       f"{row}/sem_seg": sem_seg_dir(args, row, rows),
                       f"{row}/seed_eval": layout.seed_eval(args, row),
                       f"{row}/classifier": checkpoint_of(args, row),
                       f"{row}/segmentation": layout.seg_checkpoint(args, row)})
    return {**rerun.fingerprints(inputs), "models": rows, **{k: getattr(args, k) for k in VIS_FLAGS},
            **amp_record(args)}


def run(args):
    rows = selected_rows(args)
    vis_dir = layout.vis_dir(args)
    record = made_from(args, rows)
    if not args.overwrite and rerun.folder_is_complete(vis_dir, record, ["compare.png"]):
        log.info("pictures are current, skipping: %s", vis_dir)
        return rerun.SKIPPED
    ids = choose_ids(args, infer_ids(args))
    device = resolve_device(args.device)
    seg_nets = {m: set_amp(load_seg_net(layout.seg_checkpoint(args, m), device), args.amp) for m in rows
                if os.path.isfile(layout.seg_checkpoint(args, m))}
    pictures = []
    for image_id in ids:
        picture = image_rows(args, image_id, rows, seg_nets, device)
        io_utils.save_image(os.path.join(vis_dir, image_id + ".png"), picture)
        pictures.append(picture)
    io_utils.save_image(os.path.join(vis_dir, "compare.png"), vstack(pictures, gap=12))
    written = [f"{len(ids)} per-image pictures", "compare.png"]
    evals = {m: json.load(open(p)) for m in rows
             if os.path.isfile(p := layout.seed_eval(args, m))}
    if evals:
        plots.threshold_sweep({m: e["sweep"] for m, e in evals.items()}, os.path.join(vis_dir, "threshold_sweep.png"))
        written.append("threshold_sweep.png")
    if len(evals) >= 2:
        first, last = list(evals)[0], list(evals)[-1]
        plots.per_class_iou_delta(evals[first]["class_names"], evals[first]["fixed"]["per_class"]["iou"],
                                  evals[last]["fixed"]["per_class"]["iou"], first, last,
                                  os.path.join(vis_dir, "per_class_delta.png"))
        written.append("per_class_delta.png")
    if os.path.isfile(args.cluster_file):
        io_utils.save_image(os.path.join(vis_dir, "ood_clusters.png"), ood_cluster_grid(args))
        written.append("ood_clusters.png")
    classifiers = list(dict.fromkeys(classifier_of(m) for m in rows))  # AdvCAM rows share theirs
    if args.vis_tsne and len(classifiers) >= 2 and os.path.isfile(args.ood_list):
        class_names = io_utils.read_lines(args.class_names_file)
        groups = tsne_groups(args, classifiers, class_names, device)
        smallest = min(sum(len(f) for f in sets.values()) for sets in groups.values())
        if smallest >= plots.TSNE_MIN_POINTS:
            plots.feature_tsne(groups, os.path.join(vis_dir, "feature_tsne.png"), args.seed)
            written.append("feature_tsne.png")
        else:  # t-SNE needs more points than its perplexity (a tiny data set, e.g. the VOC mock)
            log.warning("t-SNE skipped: %d images of --vis_tsne_classes %s and their OoDs (at least %d needed)",
                        smallest, args.vis_tsne_classes, plots.TSNE_MIN_POINTS)
    rerun.record_folder(vis_dir, record)
    log.info("pictures in %s: %s", vis_dir, ", ".join(written))
