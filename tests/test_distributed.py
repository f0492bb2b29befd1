"""torchrun: two CPU processes (gloo) against one, in real subprocesses (misc/chain/distributed.py).

- The engine: the ranks' batches together are the one process's batches, in order, and the loss
  curve and weights agree to float rounding (no augmentation in the toy: tests/ddp_toy.py).
- The chain: `torchrun --nproc_per_node 2 run_sample.py --preset smoke --device cpu` finishes;
  on the same checkpoints, every per-image output of the inference steps (CAMs, IR labels,
  pseudo-masks, Table 3's predictions) equals the one-process run's byte for byte, none missing,
  and the evaluations (confusion matrices summed over ranks) are the same JSON; so are those of
  two torchrun "nodes" (`--nnodes 2`, c10d rendezvous on 127.0.0.1, one process each).
- F_in's loss curve under torchrun follows the one process's within 2% per epoch. The global
  batches are the same images; what differs is each image's random scale, flip and crop (each
  rank draws its own, misc/chain/engine.py), so the curves cannot be equal. Measured here: 0.1-0.4%.
"""
import json
import os
import shutil
import socket

import pytest

from misc.chain.distributed import RankShare
from tests.conftest import ROOT, TINY, copy_stand_in
from tests.preloaded import run_at_once

# torchrun's agent forks from the suite's preloaded server (tests/preloaded.py: no second torch
# import); its ranks start as torchrun starts them, each a fresh interpreter.
TORCHRUN = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
# W-OoD's row alone: the baseline's goes through the same code (and doubles the test's time).
INFERENCE = ["--steps", "make_cam,eval_cam,cam_to_ir_label,make_sem_seg,eval_sem_seg,eval_seg",
             "--overwrite", "make_cam,eval_cam,cam_to_ir_label,make_sem_seg,eval_sem_seg,eval_seg",
             "--cam_models", "wood"]


def test_rank_shares_are_slices_of_the_one_process_batches():
    base = list(range(10, 30))  # a sampler's order: 20 images, global batch 8 -> 2 batches, 4 dropped
    shares = [list(RankShare(base, 8, 2, r)) for r in (0, 1)]
    assert shares == [[[10, 11, 12, 13], [18, 19, 20, 21]], [[14, 15, 16, 17], [22, 23, 24, 25]]]
    assert all(len(RankShare(base, 8, 2, r)) == 2 for r in (0, 1))
    # Table 3's batch of 10 on 4 ranks: shares 3, 3, 2, 2, together the one-process batch
    uneven = [list(RankShare(base, 10, 4, r)) for r in range(4)]
    assert [len(s[0]) for s in uneven] == [3, 3, 2, 2]
    assert [i for r in range(4) for i in uneven[r][1]] == base[10:20]


def engine_job(folder, env):
    """The toy's runs (a background job of the session: tests/conftest.py): one process, two
    ranks, and a global batch of 8 on 3 ranks, shared 3, 3, 2 with each rank's loss weighted by
    its share. Returns the three folders."""
    one, two, three = folder / "one", folder / "two", folder / "three"
    toy = os.path.join(ROOT, "tests", "ddp_toy.py")
    for run_folder in (one, two, three):
        run_folder.mkdir()
    run_at_once({"one process": ([toy, str(one)], folder), "two ranks": (TORCHRUN + [toy, str(two)], folder),
                 "three ranks": ([*TORCHRUN[:-1], "3", toy, str(three), "8", "uneven"], folder)},
                folder, env)
    return one, two, three


@pytest.mark.slow
def test_engine_under_torchrun_equals_one_process(background):
    one, two, three = background
    a, b = (json.load(open(d / "result.json")) for d in (one, two))
    (single,), (rank0, rank1) = a["seen"], b["seen"]
    assert single == [v for t in range(len(single) // 8) for v in rank0[4 * t:4 * t + 4] + rank1[4 * t:4 * t + 4]]
    assert a["losses"] == pytest.approx(b["losses"], rel=1e-6)
    assert a["weights"] == pytest.approx(b["weights"], rel=1e-6)
    assert len(open(two / "log.jsonl").read().splitlines()) == 3  # rank 0 alone writes the log

    # Three ranks, uneven shares: the same gradient as one process, so the same weights to float rounding.
    c = json.load(open(three / "result.json"))
    assert [len(s) for s in c["seen"]] == [36, 36, 24]  # 4 batches x 3 epochs x share
    assert a["weights"] == pytest.approx(c["weights"], rel=1e-5)


def outputs(folder):
    """{relative path: bytes} of every per-image output and evaluation of the inference steps."""
    found = {}
    for sub in ("cam", "ir_label", "sem_seg", "seg_pred"):
        for model in ("wood",):
            d = folder / "result" / "smoke" / model / sub
            found.update({f"{model}/{sub}/{f}": (d / f).read_bytes() for f in os.listdir(d) if f != "made_from.json"})
    for model in ("wood",):
        for name in ("seed_eval.json", "mask_eval.json", "seg_eval.json"):
            found[f"{model}/{name}"] = (folder / "result" / "smoke" / model / name).read_bytes()
    return found


def chain_job(folder, env, smoke_run):
    """The chain's runs (a background job of the session, started once the smoke run is made:
    tests/conftest.py), on copies of the smoke run: one process and torchrun on the inference
    steps, two torchrun "nodes" (one process each) meeting through c10d on 127.0.0.1 and sharing
    a folder as they would a network file system, and torchrun training steps 0-1 (F_in's curve).
    Returns the four folders."""
    one, two, nodes, fresh = (folder / name for name in ("one", "two", "nodes", "fresh"))
    for run_folder in (one, two, nodes):
        shutil.copytree(smoke_run, run_folder, symlinks=True)
    fresh.mkdir()
    copy_stand_in(smoke_run, fresh)
    shutil.copytree(smoke_run / "Data", fresh / "Data")
    script = os.path.join(ROOT, "run_sample.py")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    agent = ["-m", "torch.distributed.run", "--nnodes", "2", "--nproc_per_node", "1",
             "--rdzv_backend", "c10d", "--rdzv_endpoint", f"127.0.0.1:{port}", "--rdzv_id", "wood-two-nodes",
             script, *TINY, *INFERENCE, "--device", "cpu"]
    run_at_once({
        "one process": ([script, *TINY, *INFERENCE], one),
        "torchrun": (TORCHRUN + [script, *TINY, *INFERENCE, "--device", "cpu"], two),
        "node 0": (agent, nodes), "node 1": (agent, nodes),
        "torchrun training": (TORCHRUN + [script, *TINY, "--device", "cpu", "--steps", "0-1"], fresh),
    }, folder, env)
    return one, two, nodes, fresh


@pytest.mark.slow
def test_chain_under_torchrun_equals_one_process(background):
    one, two, nodes, fresh = background
    a, b = outputs(one), outputs(two)
    n_train = len(open(one / "sess" / "smoke" / "lists" / "train.txt").read().split())
    assert sum(k.startswith("wood/cam/") for k in b) >= n_train  # every image's seed, none missing
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []
    c = outputs(nodes)  # the two nodes: the same bytes again
    assert sorted(a) == sorted(c) and [k for k in a if a[k] != c[k]] == []

    # F_in's curve under torchrun against the one process's.
    curve = [json.loads(line)["loss"] for line in open(fresh / "result/smoke/baseline/train_log.jsonl")]
    ref = [json.loads(line)["loss"] for line in open(one / "result/smoke/baseline/train_log.jsonl")]
    assert len(curve) == len(ref) and curve == pytest.approx(ref, rel=0.02)
