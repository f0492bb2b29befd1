"""Device, seeding and loaders: small helpers every step shares (training itself: misc/chain/engine.py)."""
import random

import numpy as np
import torch
from torch.utils.data import DataLoader

from misc.chain import distributed
from misc.chain.errors import BadInput, NoDevice


def resolve_device(name):
    """'auto' -> cuda if available else cpu; an explicit 'cuda' without a GPU is an error. Under
    torchrun, 'cuda' is this process's GPU, cuda:LOCAL_RANK."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise NoDevice("--device cuda was asked for but torch sees no GPU; use --device cpu or auto")
    if name.startswith("cuda:") and distributed.world_size() > 1:
        raise BadInput(f"--device {name} would put every rank of this torchrun on one GPU; give --device cuda "
                       f"(rank r takes cuda:LOCAL_RANK) and choose the GPUs with CUDA_VISIBLE_DEVICES")
    if name == "cuda" and distributed.world_size() > 1:
        return torch.device("cuda", distributed.local_rank())
    return torch.device(name)


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
