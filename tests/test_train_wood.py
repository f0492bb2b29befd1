"""The Table 5 switch matrix in a real training step, and a smoke run of steps 3-4."""
import math

import pytest
import torch

from misc.method.ablations import CONTROL, TABLE5, TERMS, term_flags
from net import build_backbone
from net.cam_net import CAMNet
from run_sample import parse_args
from step.s04_train_wood import train_step


def tiny_setup():
    torch.manual_seed(0)
    net = CAMNet(build_backbone("small", (8, 8, 16, 16)), num_classes=3).train()
    batch_in = {"img": torch.randn(4, 3, 32, 32), "label": torch.tensor([[1.0, 0, 0], [0, 1, 1], [0, 0, 1], [1, 0, 0]])}
    batch_ood = {"img": torch.randn(3, 3, 32, 32)}
    centres = (torch.randn(3, 16), torch.randn(5, 16))
    return net, batch_in, batch_ood, centres


@pytest.mark.parametrize("column", sorted(TABLE5) + ["control"])
def test_each_table5_column_uses_exactly_its_terms(column):
    enabled = CONTROL if column == "control" else TABLE5[column]
    args = parse_args(["--preset", "smoke"] + term_flags(enabled))
    net, batch_in, batch_ood, centres = tiny_setup()
    loss, parts = train_step(net, batch_in, batch_ood, centres, args, torch.device("cpu"))
    expected = parts["cls_in"] + parts["cls_ood"]
    if "wood_pull" in enabled or "wood_push" in enabled:
        pull = parts["pull"] if "wood_pull" in enabled else 0.0
        push = parts["push"] if "wood_push" in enabled else 0.0
        assert parts["L_d"] == pytest.approx(pull - push, rel=1e-5)
        expected += args.distance_lambda * (pull - push)
    else:
        assert "L_d" not in parts
    assert (parts["cls_ood"] > 0) == ("wood_cls_ood" in enabled)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_term_flags_switch_everything_explicitly():
    args = parse_args(term_flags(("wood_push",)))
    assert [getattr(args, t) for t in TERMS] == [False, False, False, True]


def test_non_finite_loss_stops_with_a_message():
    from misc.chain.engine import check_finite

    with pytest.raises(FloatingPointError, match="step 7"):
        check_finite(torch.tensor(math.nan), 7)
