"""The thread rule (misc/chain/threads.py) and --amp inside the networks (misc/chain/amp.py)."""
import argparse

import pytest
import torch

from misc.chain import threads
from misc.chain.amp import amp_record, set_amp
from net.factory import build_cam_net


def test_one_process_keeps_torchs_threads_unless_told():
    assert threads.threads_per_process({}, n_cores=16, machine=16) is None
    assert threads.threads_per_process({"OMP_NUM_THREADS": "1"}, n_cores=16, machine=16) is None
    assert threads.threads_per_process({"WOOD_THREADS": "3"}, n_cores=16, machine=16) == 3
    assert threads.threads_per_process({"WOOD_THREADS": "as-given", "LOCAL_WORLD_SIZE": "2"}) is None
    with pytest.raises(ValueError, match="WOOD_THREADS"):
        threads.threads_per_process({"WOOD_THREADS": "two"})


def test_torchrun_ranks_share_the_cores():
    ranks = {"LOCAL_WORLD_SIZE": "2", "OMP_NUM_THREADS": "1"}  # torchrun's own OMP_NUM_THREADS=1
    assert threads.threads_per_process(ranks, n_cores=16, machine=16) == 8
    assert threads.threads_per_process({**ranks, "OMP_NUM_THREADS": "4"}, n_cores=16, machine=16) == 4
    assert threads.threads_per_process(ranks, n_cores=4, machine=16) == 4  # already bound: not divided again
    assert threads.threads_per_process({"LOCAL_WORLD_SIZE": "4"}, n_cores=2, machine=2) == 1  # at least 1
    assert threads.crf_workers(4, {"LOCAL_WORLD_SIZE": "2"}, n_cores=2, machine=2) == 1
    assert threads.crf_workers(2, {}, n_cores=2, machine=2) == 2


def test_amp_runs_the_network_in_bf16_and_returns_fp32():
    torch.manual_seed(0)
    net = build_cam_net({"backbone": "small", "small_widths": [8, 8, 8, 8], "num_classes": 3}).eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        plain_logits, plain_z = net(x)
        plain_maps = net.class_maps(x)
        set_amp(net, True)
        logits, z = net(x)
        maps = net.class_maps(x)
        set_amp(net, False)
        again, _ = net(x)
    assert logits.dtype == z.dtype == maps.dtype == torch.float32
    assert not torch.equal(logits, plain_logits)  # bf16 was used inside ...
    assert torch.allclose(logits, plain_logits, atol=0.05, rtol=0.05)  # ... at bf16's precision
    assert torch.allclose(maps, plain_maps, atol=0.05, rtol=0.05)
    assert torch.equal(again, plain_logits)  # off: fp32 exactly as before


def test_amp_is_recorded_only_when_on():
    assert amp_record(argparse.Namespace(amp=False)) == {}
    assert amp_record(argparse.Namespace(amp=True)) == {"amp": True}


def test_cuda_n_under_torchrun_is_refused_and_a_cpu_run_never_asks_cuda(monkeypatch):
    import torch

    from misc.chain import memory
    from misc.chain.errors import BadInput
    from misc.torchutils import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(BadInput, match="--device cuda:1 would put every rank of this torchrun on one GPU"):
        resolve_device("cuda:1")
    calls = []
    monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats", lambda *a: calls.append(a))
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda *a: calls.append(a) or 0)
    memory.reset_peak(torch.device("cpu"))
    assert "cuda_peak_mb" not in memory.peak(torch.device("cpu")) and calls == []
    memory.reset_peak(torch.device("cuda", 1))
    assert memory.peak(torch.device("cuda", 1))["cuda_peak_mb"] == 0.0
    assert calls == [(torch.device("cuda", 1),), (torch.device("cuda", 1),)]  # the run's own GPU, not GPU 0
