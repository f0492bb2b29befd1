"""The engine's gradient accumulation (--seg_accumulate) and fp16 autocast with a GradScaler
(--amp fp16): accumulating K micro-batches takes the same step as the whole batch; fp16 trains,
its loss scale kept across a resume; the flags parse and their relations are checked."""
import argparse

import pytest
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from misc.chain.amp import bf16_when_asked, grad_scaler, set_amp
from misc.chain.cli import amp_mode
from misc.chain.engine import train_one_epoch


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.lin = nn.Linear(4, 3)

    @bf16_when_asked
    def forward(self, x):
        return self.lin(x)


def loss_of(model, batch):
    x, y = batch
    return nn.functional.cross_entropy(model(x), y), {}


def data(batch):
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(24, 4, generator=g), torch.randint(0, 3, (24,), generator=g)
    return DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=False)


def one_epoch(batch, accumulate, amp=False, scaler=None):
    net = set_amp(Tiny(), amp)
    optimizer = torch.optim.SGD([{"params": net.parameters(), "lr": 0.5, "base_lr": 0.5}], lr=0.5)
    step, record = train_one_epoch(net, data(batch), optimizer, loss_of, 0, 100, "cpu", amp, "t", scaler=scaler,
                                   accumulate=accumulate)
    return net, step, record


def test_accumulating_micro_batches_equals_the_whole_batch():
    whole, steps_whole, _ = one_epoch(8, 1)
    micro, steps_micro, _ = one_epoch(4, 2)
    assert steps_whole == steps_micro == 3
    torch.testing.assert_close(micro.lin.weight, whole.lin.weight, rtol=1e-6, atol=1e-7)
    # 24 images in micro-batches of 5 with K = 2: 4 micro-batches, 2 steps, the fifth is left out
    _, steps, record = one_epoch(5, 2)
    assert steps == 2 and record["images_per_s"] > 0


def test_fp16_trains_with_a_grad_scaler():
    scaler = grad_scaler("fp16", "cpu")
    assert isinstance(scaler, torch.amp.GradScaler) and grad_scaler(True, "cpu") is None
    net, steps, record = one_epoch(8, 1, amp="fp16", scaler=scaler)
    assert steps == 3 and torch.isfinite(torch.tensor(record["loss"]))
    assert scaler.get_scale() > 0 and "scale" in scaler.state_dict()
    with torch.no_grad():
        assert net(torch.zeros(2, 4)).dtype == torch.float32  # fp32 out of the autocast region


def test_amp_values_and_the_accumulation_relation(monkeypatch, capsys):
    assert [amp_mode(v) for v in ("false", "true", "bf16", "fp16", "0")] == [False, True, True, "fp16", False]
    with pytest.raises(argparse.ArgumentTypeError, match="expected false, true \\(= bf16\\), bf16 or fp16"):
        amp_mode("fp8")
    from run_sample import parse_args

    assert parse_args(["--preset", "voc", "--seg_accumulate", "2"]).seg_accumulate == 2
    with pytest.raises(SystemExit):
        parse_args(["--preset", "voc", "--seg_accumulate", "3"])  # 10 images do not split in 3
    assert "--seg_batch_size 10 must divide into --seg_accumulate 3 micro-batches" in capsys.readouterr().err
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert parse_args(["--preset", "voc", "--seg_accumulate", "5"]).seg_batch_size == 10  # 5 x 2 ranks


def test_bf16_on_a_cpu_that_emulates_it_is_warned_about(monkeypatch):
    import torch

    from misc.chain.amp import slow_bf16_warning

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert slow_bf16_warning(False, cpu) is None and slow_bf16_warning("fp16", cpu) is None
    assert slow_bf16_warning(True, cuda) is None
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)
    assert "emulated" in slow_bf16_warning(True, cpu)
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    assert slow_bf16_warning(True, cpu) is None
