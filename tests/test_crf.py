import numpy as np
import pytest

from misc.seeds.crf import crf_refine_labels, crf_seed


def test_crf_keeps_shape_and_label_set_and_snaps_to_colour_edges():
    rgb = np.zeros((20, 30, 3), np.uint8)
    rgb[:, 15:] = 255  # a sharp colour edge at column 15
    labels = np.zeros((20, 30), np.int64)
    labels[:, 12:] = 1  # a seed that bleeds 3 columns past the edge
    out = crf_refine_labels(rgb, labels, 2)
    assert out.shape == (20, 30) and set(np.unique(out)) <= {0, 1}
    assert (out[:, 15:] == 1).mean() > 0.95 and (out[:, :12] == 0).mean() > 0.95
    assert (out[:, 12:15] == 0).mean() > 0.5  # the bleeding band moves back to the edge


def test_crf_seed_maps_back_to_class_indices():
    rgb = np.zeros((10, 10, 3), np.uint8)
    rgb[:, 5:] = 200
    high_res = np.zeros((1, 10, 10), np.float32)
    high_res[0, :, 5:] = 0.9
    seed = crf_seed(rgb, high_res, np.array([6]), 0.15)
    assert set(np.unique(seed)) <= {0, 7} and (seed[:, 6:] == 7).all()


@pytest.mark.slow
def test_step6_crf_scores_are_the_same_in_a_pool(smoke_run, monkeypatch):
    # Step 6's "+ CRF" row in --crf_workers processes: integer confusion counts summed in any order.
    from step.s06_eval_cam import evaluate_crf_seeds

    monkeypatch.chdir(smoke_run)
    ids = open("sess/smoke/lists/infer.txt").read().split()[:8]
    one = evaluate_crf_seeds(ids, "result/smoke/baseline/cam", "Data/smoke/VOC2012", 7, 0.15, workers=1)
    pool = evaluate_crf_seeds(ids, "result/smoke/baseline/cam", "Data/smoke/VOC2012", 7, 0.15, workers=2)
    assert one == pool and 0.0 <= one["miou"] <= 1.0
