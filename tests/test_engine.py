"""misc/chain/engine.py and checkpoints.py: the poly schedule, the checkpoint layout and loader, resume equals no kill."""
import json
import os

import pytest
import torch
from torch.utils.data import TensorDataset

from misc.chain import checkpoints, engine, rerun
from misc.chain.layout import resume_path
from misc.torchutils import make_loader


def test_poly_schedule_by_hand():
    assert engine.poly_lr(0.1, 0, 10) == pytest.approx(0.1)
    assert engine.poly_lr(0.1, 5, 10) == pytest.approx(0.1 * 0.5 ** 0.9)
    assert engine.poly_lr(0.1, 10, 10) == 0.0 and engine.poly_lr(0.1, 12, 10) == 0.0
    net = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(engine.with_base_lr([{"params": [net.weight], "lr": 0.1}, {"params": [net.bias], "lr": 1.0}]))
    engine.set_poly_lr(opt, 5, 10)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.1 * 0.5 ** 0.9, 0.5 ** 0.9])


class Interrupt(Exception):
    pass


def _toy(tmp_path, stop_at=None, overwrite=False):
    """A linear regression trained 3 epochs of 3 steps; raises Interrupt after step `stop_at`."""
    torch.manual_seed(0)
    x, y = torch.randn(24, 4), torch.randn(24, 1)
    net = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(engine.with_base_lr([{"params": net.parameters(), "lr": 0.1}]), momentum=0.9)
    loader = make_loader(TensorDataset(x, y), 8, True, seed=3)
    steps = []

    def loss_of(model, batch):
        if stop_at is not None and len(steps) == stop_at:
            raise Interrupt
        steps.append(1)
        noise = torch.randn(1) * 1e-3  # a global-RNG draw: reseeded per epoch, so a resume repeats it
        return ((model(batch[0]) - batch[1] + noise) ** 2).mean(), {"noise": noise.item()}

    path = str(tmp_path / "toy.pth")
    return lambda: engine.fit(net, opt, loader, loss_of, path=path, epochs=3, seed=5, made_from={"toy": 1},
                              model_args={"in": 4}, config={"lr": 0.1}, log_path=str(tmp_path / "log.jsonl"),
                              device=torch.device("cpu"), desc="toy", overwrite=overwrite), path


def test_resume_after_an_interruption_equals_an_uninterrupted_run(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    train, _ = _toy(tmp_path / "a")
    reference = train()
    train, path = _toy(tmp_path / "b", stop_at=5)  # in epoch 2 of 3
    with pytest.raises(Interrupt):
        train()
    assert os.path.isfile(resume_path(path)) and not os.path.isfile(path)  # only the epoch-1 checkpoint
    assert checkpoints.load_checkpoint(resume_path(path))["epoch"] == 1
    train, path = _toy(tmp_path / "b")  # a fresh process: new net and optimizer, same flags
    resumed = train()
    assert resumed["weights_sha1"] == reference["weights_sha1"]  # bit for bit on CPU
    assert all(torch.equal(resumed["model"][k], reference["model"][k]) for k in reference["model"])
    assert [r["loss"] for r in resumed["history"]] == [r["loss"] for r in reference["history"]]
    log = [json.loads(line) for line in open(tmp_path / "b" / "log.jsonl")]
    assert [r["epoch"] for r in log] == [1, 2, 3]  # resumed epochs rewritten, then appended: no duplicate
    assert not os.path.isfile(resume_path(path))
    assert rerun.fingerprint(path) == reference["weights_sha1"]  # its stamp is its weights
    assert rerun.why_not_current(path, {"toy": 1}) is None


def test_resume_file_from_other_inputs_is_not_used(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    reference = _toy(tmp_path / "a")[0]()
    train, path = _toy(tmp_path / "b", stop_at=5)
    with pytest.raises(Interrupt):
        train()
    saved = checkpoints.load_checkpoint(resume_path(path))
    saved["made_from"], saved["model"]["weight"] = {"toy": 2}, saved["model"]["weight"] + 1  # other inputs
    torch.save(saved, resume_path(path))
    retrained = _toy(tmp_path / "b")[0]()  # starts over instead of resuming from the foreign file
    assert retrained["weights_sha1"] == reference["weights_sha1"]


def test_checkpoint_layout_holds_what_a_rerun_needs(tmp_path):
    train, path = _toy(tmp_path)
    train()
    checkpoint = checkpoints.load_checkpoint(path)
    assert {"layout", "model", "optimizer", "epoch", "step", "seed", "model_args", "config", "made_from", "history",
            "weights_sha1"} <= set(checkpoint)
    assert checkpoint["epoch"] == 3 and checkpoint["step"] == 9 and checkpoint["seed"] == 5
    assert checkpoint["weights_sha1"] == checkpoints.weights_sha1(checkpoint["model"])


def test_loader_names_the_file_when_truncated_foreign_or_of_another_model(tmp_path):
    train, path = _toy(tmp_path)
    train()
    data = open(path, "rb").read()
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated.pth"):
        checkpoints.load_checkpoint(str(truncated))
    bare = tmp_path / "bare.pth"
    torch.save(torch.nn.Linear(4, 1).state_dict(), bare)
    with pytest.raises(ValueError, match="bare.pth.*not a checkpoint of this project"):
        checkpoints.load_checkpoint(str(bare))
    with pytest.raises(ValueError, match="toy.pth holds weights of another model"):
        checkpoints.load_weights(torch.nn.Linear(5, 1), checkpoints.load_checkpoint(path)["model"], path)
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        checkpoints.load_checkpoint(str(tmp_path / "missing.pth"))


def test_training_with_zero_steps_is_an_error(tmp_path):
    net = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(engine.with_base_lr([{"params": net.parameters(), "lr": 0.1}]))
    loader = make_loader(TensorDataset(torch.randn(6, 4), torch.randn(6, 1)), 8, True, 0, drop_last=True)
    with pytest.raises(ValueError, match="0 steps; lower the batch size"):
        engine.fit(net, opt, loader, None, path=str(tmp_path / "x.pth"), epochs=2, seed=0, made_from={},
                   model_args={}, config={}, log_path=str(tmp_path / "log"), device=torch.device("cpu"))


def test_overwrite_trains_from_scratch_instead_of_resuming(tmp_path):
    train, path = _toy(tmp_path, stop_at=5)
    with pytest.raises(Interrupt):
        train()
    train, path = _toy(tmp_path, overwrite=True)
    checkpoint = train()
    assert len(checkpoint["history"]) == 3 and checkpoint["step"] == 9
    steps_run = [json.loads(line)["epoch"] for line in open(tmp_path / "log.jsonl")]
    assert steps_run == [1, 2, 3] and not os.path.isfile(resume_path(path))
