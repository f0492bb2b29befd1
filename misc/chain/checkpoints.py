"""Checkpoint files: the one layout every training step writes, and the one strict, weights-only reader.

A checkpoint is one dict (`checkpoint_dict`): model, optimizer, step, epoch, the seed the epochs
derive theirs from, model config, resolved flags, what it was made from, history and the checksum
of the weights. `load_torch_file` is the project's only torch.load (map_location cpu,
weights_only); `load_checkpoint` refuses files of another layout and `load_weights` loads strictly,
with errors that name the file. The engine (misc/chain/engine.py) and the networks (net/) both read
and write through here.
"""
import hashlib
import os
import re

import torch

from misc import io_utils
from misc.chain import rerun
from misc.chain.errors import BadInput, MissingInput

LAYOUT = "wood-checkpoint-1"


def weights_sha1(state_dict):
    """Checksum of a state dict's names, dtypes, shapes and values (not of the file's bytes)."""
    digest = hashlib.sha1()
    for name, tensor in state_dict.items():
        tensor = tensor.detach().cpu().contiguous().reshape(-1)  # 1-d: a 0-d tensor cannot be viewed as bytes
        digest.update(f"{name}:{tensor.dtype}:{tuple(state_dict[name].shape)};".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def load_torch_file(path, what="checkpoint"):
    """The one torch.load: cpu, weights_only (plain tensors and containers, no code)."""
    if not os.path.isfile(path):
        raise MissingInput(f"{what} not found: {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # truncated zip, not a torch file, a pickle with objects
        raise BadInput(f"cannot read {what} {path}: {torch_error_summary(err)} (truncated, not a torch file, or it "
                       f"holds objects other than tensors); if this project wrote it, rerun its step with "
                       f"--overwrite <step>; if you gave it, give a complete weights-only file") from err


def torch_error_summary(err):
    """torch's error in one line: its class and the line that names the cause. torch's weights-only
    message runs to a page of advice (in bold, with escape codes) before its cause, the
    "WeightsUnpickler error" line; other errors say what failed on their first line."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(err).splitlines()]
    lines = [line for line in lines if line]
    cause = next((line for line in lines if "WeightsUnpickler error" in line), lines[0] if lines else "")
    return f"{err.__class__.__name__}: {cause}".rstrip(": ")


def load_checkpoint(path, what="checkpoint", loaded=None):
    """A checkpoint in this project's layout (`loaded`: the file's content, when read already);
    the error names the file."""
    checkpoint = load_torch_file(path, what) if loaded is None else loaded
    if not isinstance(checkpoint, dict) or checkpoint.get("layout") != LAYOUT or "model" not in checkpoint:
        raise BadInput(f"{what} {path} is not a checkpoint of this project (no '{LAYOUT}' layout) nor, for a CAM "
                       f"classifier, a state dict of IRN's resnet50_cam; retrain it, or pass a file written by "
                       f"this code or by IRN / the W-OoD release")
    return checkpoint


def load_weights(module, state_dict, path):
    """Strict load_state_dict whose error names the file and the first mismatched keys."""
    own = module.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shapes = [k for k in own if k in state_dict and tuple(own[k].shape) != tuple(state_dict[k].shape)]
    if missing or unexpected or shapes:
        raise BadInput(f"{path} holds weights of another model: {len(missing)} missing keys {missing[:3]}, "
                       f"{len(unexpected)} unexpected {unexpected[:3]}, {len(shapes)} of other shape {shapes[:3]}")
    module.load_state_dict(state_dict, strict=True)


def checkpoint_dict(net, optimizer, epoch, step, seed, model_args, config, made_from, history):
    state = net.state_dict()
    return {"layout": LAYOUT, "model": state, "optimizer": optimizer.state_dict(), "epoch": epoch, "step": step,
            "seed": seed, "model_args": model_args, "config": rerun.as_stored(config),
            "made_from": rerun.as_stored(made_from), "history": history, "weights_sha1": weights_sha1(state)}


def save_final(path, checkpoint):
    """The finished checkpoint, then its record (content = the weights' checksum)."""
    io_utils.save_torch(path, checkpoint)
    rerun.record(path, checkpoint["made_from"], content=checkpoint["weights_sha1"])
