"""The W-OoD losses of paper Sec. 3.2: Eq. 1 (distance), Eq. 2 (L_d), Eq. 3 (L_cls).

Shapes: z (B, D) pooled penultimate features; labels (B, C) multi-hot; class_centres (C, D) = P_in;
ood_centres (K, D) = P_ood.
"""
import math

import torch
import torch.nn.functional as F


def centre_distances(z, centres, eps=1e-12):
    """Eq. 1: d(x, P_k) = ||z(x) - p_k||_2 for every centre. (B, D), (K, D) -> (B, K).

    The square root gets a tiny floor so its gradient stays finite when z sits on a centre.
    """
    squared = (z[:, None, :] - centres[None, :, :]).pow(2).sum(-1)
    return squared.clamp_min(eps).sqrt()


def num_closest(num_centres, topk_frac):
    """|K| of Eq. 2: the top-tau% closest OoD centres, at least one (tau=20%, K=50 -> 10)."""
    return max(1, min(num_centres, math.ceil(topk_frac * num_centres - 1e-9)))


def pull_term(dist_in, labels):
    """Eq. 2, first sum: sum over the image's classes of d(x_in, P_c^in). (B, C), (B, C) -> (B,)."""
    return (dist_in * labels).sum(1)


def push_term(dist_ood, topk_frac):
    """Eq. 2, second sum: sum of the distances to the top-tau% closest OoD centres. (B, K) -> (B,)."""
    k = num_closest(dist_ood.shape[1], topk_frac)
    return dist_ood.topk(k, dim=1, largest=False).values.sum(1)


def distance_loss(z, labels, class_centres, ood_centres, topk_frac, use_pull=True, use_push=True, form="paper"):
    """L_d (Eq. 2) averaged over the batch, and its parts for logging.

    form="paper": mean_b [ sum_{c: y_c=1} d(x_b, P_c^in) - sum_{k in K(x_b)} d(x_b, P_k^ood) ], where
        K(x_b) are the ceil(tau*K) OoD centres closest to x_b.
    form="release": the official code's normalisation: pull = mean over all (b, c) entries of
        y * d times C/K; push = mean over all (b, k) entries of d masked to the distances below
        the batch-wide tau-quantile (the closest tau% of all image-centre pairs, not per image).
    Returns (loss scalar, {"pull": float, "push": float}) with pull/push as the loss uses them.
    """
    dist_in = centre_distances(z, class_centres)
    dist_ood = centre_distances(z, ood_centres)
    if form == "paper":
        pull = pull_term(dist_in, labels).mean()
        push = push_term(dist_ood, topk_frac).mean()
    elif form == "release":
        pull = (dist_in * labels).mean() * (class_centres.shape[0] / ood_centres.shape[0])
        flat = dist_ood.detach().flatten()
        keep = max(1, int(flat.numel() * (1 - topk_frac)))
        threshold = flat.topk(keep).values[-1]
        push = (dist_ood * (dist_ood < threshold)).mean()
    else:
        raise ValueError(f"unknown distance form '{form}' (use paper or release)")
    zero = z.new_zeros(())
    loss = (pull if use_pull else zero) - (push if use_push else zero)
    return loss, {"pull": pull.item(), "push": push.item()}


def classification_loss(logits_in, labels, logits_ood, use_in=True, use_ood=True, ood_weight=1.0, ood_mask=None):
    """Eq. 3: (1/|C|) sum_c [BCE(F^c(x_in), y_c) + BCE(F^c(x_ood), 0)], each averaged over its batch.

    `ood_mask` (B_ood,) bool drops OoD images from their term (the release's class-4 rule);
    `ood_weight` scales the OoD term (the release's --ood_coeff; the paper uses 1).
    Returns (loss scalar, {"cls_in": float, "cls_ood": float}).
    """
    zero = labels.new_zeros(())
    cls_in = F.binary_cross_entropy_with_logits(logits_in, labels) if use_in else zero
    cls_ood = zero
    if use_ood and logits_ood is not None and len(logits_ood):
        per_image = F.binary_cross_entropy_with_logits(logits_ood, torch.zeros_like(logits_ood), reduction="none").mean(1)
        if ood_mask is not None:
            per_image = per_image * ood_mask.float()
        cls_ood = per_image.mean()
    return cls_in + ood_weight * cls_ood, {"cls_in": cls_in.item(), "cls_ood": cls_ood.item()}
