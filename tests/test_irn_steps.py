"""Step 7's IR-label rule on a hand-made CAM and step 8's affinity loss on a hand-made pair."""
import math

import numpy as np
import pytest
import torch

from misc.seeds.crf_jobs import ir_label
from net.irn_net import affinity_loss


def test_ir_label_rule_on_a_hand_made_cam():
    rgb = np.zeros((12, 18, 3), np.uint8)
    rgb[:, :6] = (200, 30, 30)
    rgb[:, 6:12] = (30, 200, 30)
    rgb[:, 12:] = (30, 30, 200)  # three colour bands, so the CRF has edges to keep
    high_res = np.zeros((1, 12, 18), np.float32)
    high_res[0, :, :6], high_res[0, :, 6:12], high_res[0, :, 12:] = 0.9, 0.2, 0.05
    label = ir_label(rgb, high_res, np.array([2]), fg_thres=0.30, bg_thres=0.15)
    assert (label[:, :6] == 3).all()      # above the foreground threshold: class 2 (+1)
    assert (label[:, 6:12] == 255).all()  # between the thresholds: unsure
    assert (label[:, 12:] == 0).all()     # below both: confident background


def test_affinity_loss_by_hand():
    # 1x2 map, labels [0, 1]: one negative pair; boundary probabilities 0.2 and 0.6.
    logits = torch.logit(torch.tensor([[[0.2, 0.6]]]))
    neg = torch.zeros(1, 4, 1, 2, dtype=torch.bool)
    neg[0, 0, 0, 0] = True  # offset (0, 1) from pixel (0, 0)
    loss, parts = affinity_loss(logits, torch.zeros_like(neg), torch.zeros_like(neg), neg, 1.5)
    aff = 1 - 0.6  # the larger boundary on the path
    assert parts["neg"] == pytest.approx(-math.log(1 + 1e-5 - aff), rel=1e-4)
    assert loss.item() == pytest.approx(parts["neg"] / 2, rel=1e-4)
