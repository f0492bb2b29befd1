"""Step 3: features of F_in and the cluster centres of W-OoD (paper Sec. 3.2, Table 4).

z is F_in's pooled penultimate feature at the image's own size (no augmentation). P_in holds
one centre per class from D_in (--train_list, --in_num subset); P_ood holds K-means centres of
D_ood (--ood_list, --ood_num subset, --cluster_K 50) or, with --ood_cluster predicted, one per class F_in predicts.
Computed once from F_in, as the paper does. Writes --cluster_file (sess/<run>/clusters.npy).
"""
import logging
import os

import numpy as np

from misc import io_utils, subsets
from misc.clustering import class_centres, kmeans_centres, predicted_class_centres
from misc.scoring import forward_images
from misc.torchutils import resolve_device
from net.factory import load_cam_net
from voc12.voc_lists import load_cls_labels

log = logging.getLogger(__name__)


def is_current(path, ood_ids, args):
    """An existing cluster file is reused only if it was made from the same D_ood and settings."""
    if not os.path.isfile(path):
        return False
    saved = np.load(path, allow_pickle=True).item()
    same = (list(saved["ood_ids"]) == list(ood_ids) and saved["ood_cluster"] == args.ood_cluster
            and saved.get("cluster_K") == args.cluster_K and saved.get("f_in") == os.path.abspath(args.cam_weights_name))
    if not same:
        log.info("%s was made from another D_ood, F_in or setting: recomputing", path)
    return same


def run(args):
    ood_ids = subsets.ood_ids(args)
    if not args.overwrite and is_current(args.cluster_file, ood_ids, args):
        log.info("clusters exist, skipping: %s", args.cluster_file)
        return
    device = resolve_device(args.device)
    net, _ = load_cam_net(args.cam_weights_name, device)
    train_ids = subsets.train_ids(args)
    labels = load_cls_labels(args.cls_labels, train_ids)
    _, z_in, in_ids, bad_in = forward_images(net, train_ids, os.path.join(args.voc12_root, "JPEGImages"), device,
                                             args.ood_score_batch_size, None, "features D_in")
    probs_ood, z_ood, ood_ids, bad_ood = forward_images(net, ood_ids, os.path.join(args.ood_root, "JPEGImages"),
                                                        device, args.ood_score_batch_size, None, "features D_ood")
    if bad_in or bad_ood:
        raise ValueError(f"unreadable images: {sorted(bad_in) + sorted(bad_ood)}")
    p_in = class_centres(z_in, np.stack([labels[i] for i in in_ids]))
    if args.ood_cluster == "kmeans":
        if len(ood_ids) < args.cluster_K:
            log.warning("|D_ood| = %d < K = %d: using K = %d", len(ood_ids), args.cluster_K, len(ood_ids))
        p_ood, assignment = kmeans_centres(z_ood, args.cluster_K, args.seed)
        groups = None
    else:
        p_ood, assignment, groups = predicted_class_centres(z_ood, probs_ood)
    norms_in, norms_ood = np.linalg.norm(z_in, axis=1), np.linalg.norm(z_ood, axis=1)
    io_utils.save_npy(args.cluster_file, {
        "class_centres": p_in, "ood_centres": p_ood, "ood_ids": ood_ids, "ood_assignment": assignment,
        "ood_cluster": args.ood_cluster, "cluster_K": args.cluster_K, "predicted_class_of_group": groups,
        "f_in": os.path.abspath(args.cam_weights_name),
        "feature_norm_in": float(norms_in.mean()), "feature_norm_ood": float(norms_ood.mean())})
    sizes = np.bincount(assignment, minlength=len(p_ood))
    log.info("clusters -> %s: P_in %s, P_ood %s (%s; sizes min %d / median %d / max %d); mean |z| D_in %.2f, D_ood %.2f",
             args.cluster_file, p_in.shape, p_ood.shape, args.ood_cluster, sizes.min(), np.median(sizes), sizes.max(),
             norms_in.mean(), norms_ood.mean())
