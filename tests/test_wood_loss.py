"""Eq. 1-3 against hand computations on tiny tensors."""
import math

import pytest
import torch

from misc.method.wood_loss import centre_distances, classification_loss, distance_loss, num_closest

Z = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
P_IN = torch.tensor([[0.0, 0.0], [3.0, 0.0]])
LABELS = torch.tensor([[1.0, 1.0], [0.0, 1.0]])  # image 0 has both classes (multi-label pull)
P_OOD = torch.tensor([[0.0, 1.0], [0.0, 2.0], [6.0, 8.0], [10.0, 0.0], [0.0, -5.0]])
# By hand: pull = [0 + 3, 4]; with tau = 40% of K = 5 -> the 2 closest OoD centres:
# image 0: 1 + 2 = 3; image 1: sqrt(13) + sqrt(18).
PULL = [3.0, 4.0]
PUSH = [3.0, math.sqrt(13) + math.sqrt(18)]


def test_eq1_euclidean_distances():
    d = centre_distances(Z, P_OOD)
    assert d[0].tolist() == pytest.approx([1, 2, 10, 10, 5])
    assert d[1].tolist() == pytest.approx([math.sqrt(18), math.sqrt(13), 5, math.sqrt(65), math.sqrt(90)])


def test_top_tau_count():
    assert num_closest(50, 0.2) == 10  # the paper's K = 50, tau = 20%
    assert num_closest(5, 0.4) == 2
    assert num_closest(3, 0.01) == 1


def test_eq2_paper_form_pull_push_and_switches():
    loss, parts = distance_loss(Z, LABELS, P_IN, P_OOD, 0.4)
    assert loss.item() == pytest.approx(sum(PULL) / 2 - sum(PUSH) / 2, rel=1e-6)
    assert parts["pull"] == pytest.approx(sum(PULL) / 2) and parts["push"] == pytest.approx(sum(PUSH) / 2)
    pull_only, _ = distance_loss(Z, LABELS, P_IN, P_OOD, 0.4, use_push=False)
    push_only, _ = distance_loss(Z, LABELS, P_IN, P_OOD, 0.4, use_pull=False)
    assert pull_only.item() == pytest.approx(3.5) and push_only.item() == pytest.approx(-sum(PUSH) / 2, rel=1e-6)


def test_eq2_release_form():
    loss, parts = distance_loss(Z, LABELS, P_IN, P_OOD, 0.4, form="release")
    # pull: mean of y*d over 2x2 entries (0+3+0+4)/4, times C/K = 2/5; push: the 6 largest of the 10
    # distances end at 5, so the distances below 5 (1, 2, sqrt13, sqrt18) are kept, mean over 10.
    assert parts["pull"] == pytest.approx(1.75 * 0.4)
    assert parts["push"] == pytest.approx((3 + math.sqrt(13) + math.sqrt(18)) / 10, rel=1e-6)
    assert loss.item() == pytest.approx(parts["pull"] - parts["push"], rel=1e-6)


def test_gradient_is_finite_on_a_centre():
    z = Z.clone().requires_grad_(True)  # image 0 sits exactly on P_in[0]
    loss, _ = distance_loss(z, LABELS, P_IN, P_OOD, 0.4)
    loss.backward()
    assert torch.isfinite(z.grad).all()


def test_eq3_classification_loss():
    logits_in, labels = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 0.0]])
    logits_ood = torch.tensor([[0.0, math.log(3.0)]])
    loss, parts = classification_loss(logits_in, labels, logits_ood)
    # BCE(0, y) = log 2 for both in-distribution classes; OoD: log 2 and log(1 + 3) = 2 log 2.
    assert parts["cls_in"] == pytest.approx(math.log(2))
    assert parts["cls_ood"] == pytest.approx(1.5 * math.log(2))
    assert loss.item() == pytest.approx(2.5 * math.log(2))
    off, parts_off = classification_loss(logits_in, labels, logits_ood, use_ood=False)
    assert off.item() == pytest.approx(math.log(2)) and parts_off["cls_ood"] == 0.0
    masked, _ = classification_loss(logits_in, labels, logits_ood, ood_mask=torch.tensor([False]))
    assert masked.item() == pytest.approx(math.log(2))
