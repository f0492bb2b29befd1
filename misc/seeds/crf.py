"""Dense CRF refinement of label maps, configured as IRN's `crf_inference_label`.

Unary from hard labels (confidence `gt_prob` 0.7), a Gaussian pairwise term (sxy 3, compat 3) and
a bilateral one (sxy 50, srgb 5, compat 10), 10 mean-field iterations (pydensecrf, from the
pydensecrf2 package).
"""
import numpy as np


def crf_refine_labels(rgb, labels, num_labels, iterations=10, gt_prob=0.7):
    """rgb: (H, W, 3) uint8; labels: (H, W) ints in [0, num_labels). Returns (H, W) int64."""
    import pydensecrf.densecrf as dcrf
    from pydensecrf.utils import unary_from_labels

    h, w = labels.shape
    if num_labels < 2:  # nothing to decide between
        return np.zeros((h, w), np.int64)
    crf = dcrf.DenseCRF2D(w, h, num_labels)
    crf.setUnaryEnergy(unary_from_labels(labels, num_labels, gt_prob=gt_prob, zero_unsure=False))
    crf.addPairwiseGaussian(sxy=3, compat=3)
    crf.addPairwiseBilateral(sxy=50, srgb=5, rgbim=np.array(rgb, dtype=np.uint8, order="C", copy=True), compat=10)
    q = crf.inference(iterations)
    return np.argmax(np.array(q).reshape(num_labels, h, w), axis=0).astype(np.int64)


def crf_seed(rgb, high_res, keys, threshold):
    """A CAM seed refined by the CRF (Table 2's "+CRF"): (H, W) labels 0 = bg, 1..C classes.

    The seed's local labels (0 = background, k = k-th labelled class) go through the CRF, then
    map back to class indices, as IRN's cam_to_ir_label does.
    """
    if len(keys) == 0:  # no labelled class: all background, nothing to refine
        return np.zeros(high_res.shape[1:], np.int64)
    padded = np.concatenate([np.full((1,) + high_res.shape[1:], threshold, high_res.dtype), high_res])
    local = np.argmax(padded, axis=0)  # ties go to the background, as IRN
    refined = crf_refine_labels(rgb, local, len(keys) + 1)
    return np.concatenate([[0], np.asarray(keys) + 1])[refined]


def crf_refine_probs(rgb, probs, iterations=10, pos_w=3, pos_xy_std=1, bi_w=4, bi_xy_std=67, bi_rgb_std=3):
    """The segmentation network's CRF (Table 3), deeplab-pytorch's DenseCRF and its VOC values (it
    feeds the CRF its mean-subtracted BGR input cast to uint8; here the RGB image itself):
    unary -log p from softmax probabilities (C, H, W), Gaussian (sxy 1, compat 3) and bilateral
    (sxy 67, srgb 3, compat 4) terms, 10 iterations. Returns (C, H, W) float32 marginals."""
    import pydensecrf.densecrf as dcrf
    from pydensecrf.utils import unary_from_softmax

    c, h, w = probs.shape
    crf = dcrf.DenseCRF2D(w, h, c)
    crf.setUnaryEnergy(np.ascontiguousarray(unary_from_softmax(np.asarray(probs, np.float32))))
    crf.addPairwiseGaussian(sxy=pos_xy_std, compat=pos_w)
    crf.addPairwiseBilateral(sxy=bi_xy_std, srgb=bi_rgb_std, rgbim=np.array(rgb, dtype=np.uint8, order="C", copy=True),
                             compat=bi_w)
    return np.array(crf.inference(iterations), np.float32).reshape(c, h, w)
