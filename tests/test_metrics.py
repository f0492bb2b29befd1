import numpy as np
import pytest

from misc.metrics import StreamingConfusion, cam_to_seed, confusion_matrix, scores_from_confusion


def brute_force_scores(preds, gts, n):
    """Per-pixel loop: IoU, precision, recall per class over all images, ignore 255."""
    tp, fp, fn = np.zeros(n), np.zeros(n), np.zeros(n)
    for pred, gt in zip(preds, gts):
        for p, g in zip(pred.ravel(), gt.ravel()):
            if g == 255:
                continue
            if p == g:
                tp[p] += 1
            else:
                fp[p] += 1
                fn[g] += 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return tp / (tp + fp + fn), tp / (tp + fp), tp / (tp + fn)


def test_streaming_confusion_matches_brute_force():
    rng = np.random.default_rng(0)
    n = 4
    preds = [rng.integers(0, n, (7, 9)) for _ in range(5)]
    gts = [rng.integers(0, n, (7, 9)) for _ in range(5)]
    for g in gts:
        g[rng.random(g.shape) < 0.2] = 255
    stream = StreamingConfusion(n)
    for p, g in zip(preds, gts):
        stream.update(p, g)
    got = stream.scores()
    iou, prec, rec = brute_force_scores(preds, gts, n)
    np.testing.assert_allclose(got["per_class"]["iou"], iou)
    np.testing.assert_allclose(got["per_class"]["precision"], prec)
    np.testing.assert_allclose(got["per_class"]["recall"], rec)
    assert got["miou"] == pytest.approx(np.mean(iou))
    mp, mr = np.mean(prec), np.mean(rec)
    assert got["f1"] == pytest.approx(2 * mp * mr / (mp + mr))


def test_hand_computed_two_class_case():
    gt = np.array([[0, 0, 1, 1], [0, 255, 1, 1]])
    pred = np.array([[0, 1, 1, 1], [0, 0, 0, 1]])
    # pixels: (0,0)x2 tp0, (0,1) fn0/fp1, (1,1)x3 tp1, (1,0) fn1/fp0, ignored one skipped
    s = scores_from_confusion(confusion_matrix(pred, gt, 2))
    assert s["per_class"]["iou"] == pytest.approx([2 / 4, 3 / 5])
    assert s["per_class"]["precision"] == pytest.approx([2 / 3, 3 / 4])
    assert s["per_class"]["recall"] == pytest.approx([2 / 3, 3 / 4])


def test_f1_is_harmonic_mean_of_mean_precision_and_recall():
    # Rows are ground truth, columns predictions. By hand: precision per class 8/8, 1/3, 6/9 ->
    # mean 2/3; recall 8/10, 1/4, 6/6 -> mean 0.68333; F1 = 2 P R / (P + R) = 0.674897. The mean
    # of the per-class F1s (0.8889, 0.1429, 0.8) would be 0.6106: not the paper's rule.
    conf = np.array([[8, 2, 0], [0, 1, 3], [0, 0, 6]])
    s = scores_from_confusion(conf)
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(2.05 / 3)
    assert s["f1"] == pytest.approx(0.674897, abs=1e-6)
    # The paper's IRN row with the same formula: P 61.9, R 72.7 -> F1 66.9.
    assert 2 * 0.619 * 0.727 / (0.619 + 0.727) == pytest.approx(0.669, abs=5e-4)


def test_predictions_outside_the_class_range_are_an_error():
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(np.array([3]), np.array([0]), 3)


def test_cam_to_seed_rule_and_ties_go_to_background():
    high_res = np.array([[[0.9, 0.2, 0.15]], [[0.1, 0.6, 0.15]]])  # (K=2, 1, 3)
    keys = np.array([4, 1])
    seed = cam_to_seed(high_res, keys, 0.15)
    assert seed.tolist() == [[5, 2, 0]]
    assert cam_to_seed(np.zeros((0, 2, 2)), np.array([], int), 0.1).tolist() == [[0, 0], [0, 0]]
