"""Segmentation metrics from streaming confusion matrices (mmsegmentation's way).

As the paper reports them: IoU, precision = TP/(TP+FP) and recall =
TP/(TP+FN) per class from one confusion matrix over all images, averaged over the classes with
background included; Table 1's F1 is the harmonic mean of the mean precision and the mean recall,
not the mean of per-class F1s.
"""
import numpy as np

from misc.images import IGNORE_LABEL


def confusion_matrix(pred, gt, num_classes):
    """(num_classes, num_classes) int64 counts, rows = ground truth, cols = prediction.

    Pixels whose ground truth is IGNORE_LABEL are left out; predictions outside
    [0, num_classes) are an error rather than silently dropped.
    """
    pred, gt = np.asarray(pred).reshape(-1), np.asarray(gt).reshape(-1)
    if pred.shape != gt.shape:
        raise ValueError(f"prediction and ground truth differ in size: {pred.shape} vs {gt.shape}")
    keep = gt != IGNORE_LABEL
    pred, gt = pred[keep].astype(np.int64), gt[keep].astype(np.int64)
    if pred.size and (pred.min() < 0 or pred.max() >= num_classes or gt.max() >= num_classes):
        raise ValueError(f"labels outside [0, {num_classes}) in prediction or ground truth")
    return np.bincount(num_classes * gt + pred, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def scores_from_confusion(conf):
    """Per-class and mean IoU, precision, recall, and F1 of the means, from one matrix."""
    conf = conf.astype(np.float64)
    tp = np.diag(conf)
    gt_total, pred_total = conf.sum(1), conf.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = tp / (gt_total + pred_total - tp)
        precision = tp / pred_total
        recall = tp / gt_total
        f1_per_class = 2 * precision * recall / (precision + recall)
    mean_p, mean_r = float(np.nanmean(precision)), float(np.nanmean(recall))
    return {
        "miou": float(np.nanmean(iou)), "precision": mean_p, "recall": mean_r,
        "f1": 2 * mean_p * mean_r / (mean_p + mean_r) if mean_p + mean_r > 0 else 0.0,
        "per_class": {"iou": _listify(iou), "precision": _listify(precision), "recall": _listify(recall),
                      "f1": _listify(f1_per_class)},
    }


def _listify(values):
    return [None if np.isnan(v) else float(v) for v in values]


class StreamingConfusion:
    """Accumulates one confusion matrix; memory does not grow with the number of images."""

    def __init__(self, num_classes):
        self.num_classes = num_classes
        self.matrix = np.zeros((num_classes, num_classes), np.int64)

    def update(self, pred, gt):
        self.matrix += confusion_matrix(pred, gt, self.num_classes)

    def scores(self):
        """Scores of the matrix summed over ranks under torchrun (every rank calls this, each having
        seen its share of the images; misc/distributed.py), of this matrix in one process."""
        from misc.chain import distributed

        return scores_from_confusion(distributed.all_reduce_sum(self.matrix))


def cam_to_seed(high_res, keys, threshold):
    """IRN's seed rule: a pixel takes its top class if that CAM > threshold, else background.

    high_res: (K, H, W) normalised CAMs of the image's K labelled classes; keys: (K,) 0-based
    class indices. Returns (H, W) int64 labels (0 = background, 1..C classes). Ties go to the
    background, as IRN's argmax over the background-padded stack does.
    """
    if len(keys) == 0:
        return np.zeros(high_res.shape[1:], np.int64)
    top = high_res.max(0)
    label = np.asarray(keys)[high_res.argmax(0)] + 1
    return np.where(top > threshold, label, 0)
