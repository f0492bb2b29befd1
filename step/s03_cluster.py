"""Step 3: features of F_in and the cluster centres of W-OoD (paper Sec. 3.2, Table 4).

z is F_in's pooled penultimate feature at the image's own size (no augmentation; D_ood's long
side resized to --ood_feature_size when given, as the release's 500). P_in holds
one centre per class from D_in (--train_list, --in_num subset); P_ood holds K-means centres of
D_ood (--ood_list, --ood_num subset, --cluster_K 50) or, with --ood_cluster predicted, one per class F_in predicts.
Computed once from F_in, as the paper does. Writes --cluster_file (sess/<run>/clusters_*.npy),
kept when made from the same F_in, lists and settings.
"""
import logging

import numpy as np

from misc import io_utils
from misc.chain import layout, rerun, subsets
from misc.chain.amp import amp_record, set_amp
from misc.chain.errors import BadInput
from misc.method.clustering import class_centres, kmeans_centres, predicted_class_centres
from misc.method.scoring import forward_images
from misc.torchutils import resolve_device
from net.factory import load_cam_net
from voc12.voc_lists import load_cls_labels

log = logging.getLogger(__name__)


CLUSTER_FLAGS = ("cluster_K", "ood_cluster", "in_num", "ood_num", "subset_seed", "seed", "kmeans", "ood_feature_size",
                 "resize_kernel")


def made_from(args):
    """F_in, D_in and D_ood (their lists and subsets) and the clustering settings."""
    inputs = {"f_in": args.cam_weights_name, "data": args.list_dir, "train_list": args.train_list,
              "cls_labels": args.cls_labels, "ood_list": args.ood_list, "pool": layout.pool_content(args)}
    return {**rerun.fingerprints(inputs), **{k: getattr(args, k) for k in CLUSTER_FLAGS}, **amp_record(args)}


def run(args):
    record = made_from(args)
    rerun.refuse_foreign(args, "cluster_file", args.cluster_file,
                         "to use it, pass --cluster_pass false; to cluster, give another --cluster_file")
    if rerun.skip_file(args.cluster_file, record, args.overwrite, "clusters"):
        return rerun.SKIPPED
    ood_ids = subsets.ood_ids(args)
    device = resolve_device(args.device)
    net, _ = load_cam_net(args.cam_weights_name, device)
    set_amp(net, args.amp)
    train_ids = subsets.train_ids(args)
    labels = load_cls_labels(args.cls_labels, train_ids)
    _, z_in, in_ids, bad_in = forward_images(net, train_ids, layout.image_dir(args.voc12_root), device,
                                             args.ood_score_batch_size, None, "features D_in")
    probs_ood, z_ood, ood_ids, bad_ood = forward_images(net, ood_ids, layout.ood_image_dir(args), device,
                                                        args.ood_score_batch_size, args.ood_feature_size or None,
                                                        "features D_ood", kernel=args.resize_kernel)
    if bad_in or bad_ood:
        raise BadInput(f"unreadable images: {sorted(bad_in) + sorted(bad_ood)}")
    p_in = class_centres(z_in, np.stack([labels[i] for i in in_ids]))
    if args.ood_cluster == "kmeans":
        if len(ood_ids) < args.cluster_K:
            log.warning("|D_ood| = %d < K = %d: using K = %d", len(ood_ids), args.cluster_K, len(ood_ids))
        p_ood, assignment = kmeans_centres(z_ood, args.cluster_K, args.seed, args.kmeans)
        groups = None
    else:
        p_ood, assignment, groups = predicted_class_centres(z_ood, probs_ood)
    norms_in, norms_ood = np.linalg.norm(z_in, axis=1), np.linalg.norm(z_ood, axis=1)
    io_utils.save_npy(args.cluster_file, {
        "class_centres": p_in, "ood_centres": p_ood, "ood_ids": ood_ids, "ood_assignment": assignment,
        "ood_cluster": args.ood_cluster, "cluster_K": args.cluster_K, "predicted_class_of_group": groups,
        "feature_norm_in": float(norms_in.mean()), "feature_norm_ood": float(norms_ood.mean())})
    rerun.record(args.cluster_file, record)
    sizes = np.bincount(assignment, minlength=len(p_ood))
    log.info("clusters -> %s: P_in %s, P_ood %s (%s; sizes min %d / median %d / max %d); mean |z| D_in %.2f, D_ood %.2f",
             args.cluster_file, p_in.shape, p_ood.shape, args.ood_cluster, sizes.min(), np.median(sizes), sizes.max(),
             norms_in.mean(), norms_ood.mean())
