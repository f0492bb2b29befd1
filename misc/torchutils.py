"""Device, seeding, the learning-rate schedule and loaders: small helpers every step shares."""
import os
import random
from contextlib import nullcontext

import numpy as np
import torch
from torch.utils.data import DataLoader


def resolve_device(name):
    """'auto' -> cuda if available else cpu; an explicit 'cuda' without a GPU is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for but torch sees no GPU; use --device cpu or auto")
    return torch.device(name)


def autocast_context(device, enabled):
    """bf16 autocast on CUDA when enabled; a no-op context on CPU (nanoGPT's pattern)."""
    if enabled and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _seed_worker(worker_id):
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def make_loader(dataset, batch_size, shuffle, seed, num_workers=0, drop_last=False, collate_fn=None):
    """A DataLoader whose shuffling and worker augmentation are fixed by `seed`."""
    generator = torch.Generator()
    generator.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers,
                      drop_last=drop_last, worker_init_fn=_seed_worker, generator=generator,
                      collate_fn=collate_fn, persistent_workers=False)


def poly_lr(base_lr, step, max_step, power=0.9):
    """IRN's poly schedule as a pure function of the step."""
    return base_lr * (1.0 - min(step, max_step) / max(max_step, 1)) ** power


def check_finite(loss, step, what="loss"):
    if not torch.isfinite(loss):
        raise FloatingPointError(f"non-finite {what} ({loss.item()}) at step {step}; stopping. "
                                 f"Lower the learning rate or the loss weights.")


def load_checkpoint(path, device):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    return torch.load(path, map_location=device, weights_only=True)  # plain tensors, dicts and numbers only
