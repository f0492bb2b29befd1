"""Kill steps with SIGKILL mid-way, rerun: the same weights, seeds, masks and metrics as no kill.

Every training step goes through misc/chain/engine.py, which checkpoints each epoch and seeds each
epoch from (--seed, epoch); per-image steps resume their folder by one rule (rerun.ids_to_make).
These runs kill, in real child processes (tests/preloaded.py, started with the session beside
the other tests: tests/conftest.py), the pretraining stand-in and W-OoD mid-epoch (W-OoD: the
engine with its OoD stream; F_in goes through the same engine), CAMs (step 5, the per-image rule
of steps 5, 7 and 9) after 5 images, and the second row's IRN (after the first row's was saved)
mid-epoch. F_in's weights, the random walk's masks and every metric are compared too.
"""
import os
import signal

import pytest

from tests import preloaded
from tests.conftest import ROOT, TINY

CHAIN = TINY + ["--pretrain_epochs", "2", "--irn_num_epoches", "2", "--steps", "0-10"]
CHECKPOINTS = ["sess/smoke/cam_baseline.pth", "sess/smoke/cam_wood.pth", "sess/smoke/irn_baseline.pth",
               "sess/smoke/irn_wood.pth"]
METRICS = ["result/smoke/baseline/seed_eval.json", "result/smoke/wood/seed_eval.json",
           "result/smoke/baseline/mask_eval.json", "result/smoke/wood/mask_eval.json", "WOoD_dataset/smoke/ood_list.txt",
           "result/smoke/wood/cam/train_00047.npy", "result/smoke/wood/sem_seg/train_00047.png"]


def chain_env(env, kill_at=None):
    # One thread each: the uninterrupted run goes beside the killed ones (two cores, two jobs), and
    # bit-for-bit equality needs the same thread count in both.
    env = {k: v for k, v in env.items() if k != "WOOD_KILL_AT"}
    env["WOOD_THREADS"] = "1"
    if kill_at:
        env["WOOD_KILL_AT"] = kill_at
    return env


def run_chain(cwd, env, kill_at=None):
    """The chain in a child process (forked with torch imported: tests/preloaded.py)."""
    return preloaded.run([os.path.join(ROOT, "run_sample.py"), *CHAIN], cwd, chain_env(env, kill_at))


def weights(cwd, path):
    import torch

    return torch.load(os.path.join(cwd, path), map_location="cpu", weights_only=True)["weights_sha1"]


def kill_and_resume_job(folder, env):
    """The runs (a background job of the session: tests/conftest.py): the chain never killed,
    beside the chain killed at each point and rerun; returns the two folders."""
    whole, killed = folder / "whole", folder / "killed"
    whole.mkdir(), killed.mkdir()
    reference = preloaded.start([os.path.join(ROOT, "run_sample.py"), *CHAIN], whole, chain_env(env),
                                str(folder / "whole.log"))
    for kill_at, resume_file in (("pretrain 2/2:2", "pretrained"),
                                 ("train wood 2/2:1", "sess/smoke/cam_wood.pth.resume"),
                                 ("make_cam wood:5", None),
                                 ("train IRN wood 2/2:2", "sess/smoke/irn_wood.pth.resume")):
        result = run_chain(killed, env, kill_at)
        assert result.returncode == -signal.SIGKILL, result.stdout[-3000:]
        if resume_file == "pretrained":
            resume_file = next(f"sess/pretrained/{f}" for f in os.listdir(killed / "sess" / "pretrained")
                               if f.endswith(".pth.resume"))
        if resume_file:
            assert os.path.isfile(killed / resume_file)  # the epoch-1 checkpoint is there to resume from
            assert not os.path.isfile(killed / resume_file[:-len(".resume")])  # never a half-trained final one
    assert run_chain(killed, env).returncode == 0
    assert reference.wait() == 0, reference.output()[-3000:]
    return whole, killed


@pytest.mark.slow
def test_sigkill_in_every_training_step_then_rerun_equals_no_kill(background):
    whole, killed = background
    pretrained = [f for f in os.listdir(whole / "sess" / "pretrained") if f.endswith(".pth")]
    pretrained_path = f"sess/pretrained/{pretrained[0]}"
    for path in CHECKPOINTS + [pretrained_path]:
        assert weights(killed, path) == weights(whole, path), path  # bit for bit on CPU
    for path in METRICS:
        assert open(killed / path, "rb").read() == open(whole / path, "rb").read(), path
    assert "resuming from" in open(killed / "result/smoke/log.txt").read()
    leftovers = [os.path.join(d, f) for d, _, fs in os.walk(killed) for f in fs if f.endswith((".resume", ".tmp"))]
    assert leftovers == []
