"""Several processes under torchrun: who works on what, and how their results meet.

    torchrun --nproc_per_node 2 run_sample.py --preset smoke --device cpu     # gloo on CPU
    torchrun --nproc_per_node 8 run_sample.py --preset voc --device cuda      # nccl, one GPU a rank

One process (no torchrun: WORLD_SIZE unset) is the default, and every function here is then the
identity or a no-op, so the single-process run is exactly what it was. Under torchrun:
- training steps (misc/chain/engine.py) wrap the network in DistributedDataParallel and give each rank
  its share of every global batch (`RankShare`): the batch flags stay the global batch (IRN's 16
  is 16 over all ranks), each rank loads batch / world images, and the ranks' batches together
  are the one-process run's (only the random augmentation of each image differs);
- per-image steps (CAMs, AdvCAM, IR labels, random walk, segmentation inference) give rank r the
  images r, r + world, ... of the list, each rank writes its own per-image files;
- evaluations add the ranks' confusion matrices (`all_reduce_sum`) before any metric;
- everything else (data, mining, clusters, pictures, the report, every record and checkpoint)
  is rank 0's; the others wait at a barrier after each step (run_sample.py).
"""
import os
import random
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist

from misc.chain.errors import BadInput


def world_size():
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank():
    return int(os.environ.get("RANK", "0"))


def local_rank():
    return int(os.environ.get("LOCAL_RANK", "0"))


def is_main():
    return rank() == 0


def active():
    return world_size() > 1 and dist.is_available() and dist.is_initialized()


def init(device):
    """Join the process group torchrun set up; one process: nothing. CUDA: nccl for CUDA tensors
    (DDP's gradients) and gloo for CPU ones (epoch-log sums, confusion matrices, decisions). The
    timeout (WOOD_DIST_TIMEOUT_H, default 24 h) covers the steps rank 0 runs alone while the
    others wait at a barrier: mining, K-means or the pictures of a VOC run take longer than
    torch's default 10 (nccl) or 30 (gloo) minutes."""
    if world_size() <= 1 or dist.is_initialized():
        return
    timeout = timedelta(hours=float(os.environ.get("WOOD_DIST_TIMEOUT_H", "24")))
    if device.type == "cuda":
        torch.cuda.set_device(device)
        dist.init_process_group("cpu:gloo,cuda:nccl", timeout=timeout)
    else:
        dist.init_process_group("gloo", timeout=timeout)


def close(finished=True):
    """Leave the process group (one process: nothing). A rank that finished waits for the others
    first, then destroys its group: a gloo rank that exits with its group alive can abort in the
    C++ teardown ("terminate called without an active exception") while a peer still closes its
    sockets. A rank that failed destroys it at once, so its peers fail fast instead of waiting."""
    if active():
        if finished:
            dist.barrier()
        dist.destroy_process_group()


def barrier():
    if active():
        dist.barrier()


def shard(items):
    """This rank's share of a list: items rank, rank + world, ... (all of them in one process)."""
    return list(items)[rank()::world_size()] if active() else list(items)


def all_reduce_sum(array):
    """The sum over ranks of a numpy array (a confusion matrix, counts); the array itself in one
    process. float64 and int64 sums are exact for the counts they carry here."""
    array = np.asarray(array)
    if not active():
        return array
    tensor = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64 if array.dtype.kind == "f" else np.int64))
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor.numpy().astype(array.dtype)


def on_main(fn):
    """Run fn on rank 0 only and hand its (picklable) result to every rank; e.g. a folder's remake
    decision, which deletes files and must be taken once, before any rank writes."""
    if not active():
        return fn()
    result = [fn() if is_main() else None]
    dist.broadcast_object_list(result, src=0)
    return result[0]


def wrap(net, device):
    """DistributedDataParallel around `net` under torchrun, `net` itself in one process."""
    if not active():
        return net
    from torch.nn.parallel import DistributedDataParallel

    # Buffers (batch-norm statistics where they train, e.g. the pretraining stand-in) follow rank 0's.
    return DistributedDataParallel(net, device_ids=[device.index] if device.type == "cuda" else None)


class RankShare(torch.utils.data.Sampler):
    """This rank's slice of every global batch the one-process loader would draw, as batches of
    indices: the base sampler's order (the same on every rank, from the loader's generator, which
    misc/chain/engine.py reseeds each epoch from (seed, epoch)), cut into global batches of `batch`,
    rank r taking its `share` consecutive images of each. Shares are batch // world, the first
    batch % world ranks one more (10 images on 4 ranks: 3, 3, 2, 2). The ranks' batches together
    are the one-process run's batches, in the same order; the last incomplete batch is dropped."""

    def __init__(self, base, batch, world, rank_):
        if batch < world:
            raise BadInput(f"the global batch {batch} is smaller than the {world} ranks: every rank needs an image")
        self.base, self.batch, self.world, self.rank = base, batch, world, rank_
        self.sizes = [batch // world + (1 if r < batch % world else 0) for r in range(world)]
        self.share = self.sizes[rank_]

    def __len__(self):
        return len(self.base) // self.batch

    def __iter__(self):
        order, first = list(iter(self.base)), sum(self.sizes[:self.rank])
        for start in range(0, len(order) - self.batch + 1, self.batch):
            yield order[start + first:start + first + self.share]


def shard_loader(loader, uneven=False):
    """The training loader of this rank: a `RankShare` of the loader's sampler; `loader` itself in
    one process. Batch flags are global batches. With `uneven`, a batch that does not divide by the
    ranks is shared 3, 3, 2, 2 (10 on 4) and the loader carries `share_weight` = share * world /
    batch: the engine scales this rank's loss by it, so DDP's mean over ranks of the weighted
    per-rank means is the global batch's mean, as in one process (1.0 when the shares are equal)."""
    if not active():
        return loader
    from torch.utils.data import DataLoader

    world = world_size()
    if loader.batch_size % world and not uneven:
        raise BadInput(f"the batch size {loader.batch_size} is the global batch and must divide by the "
                       f"{world} ranks (torchrun --nproc_per_node); choose a multiple of {world}")
    if not loader.drop_last:
        raise ValueError("a training loader under torchrun must drop its last incomplete batch (drop_last=True)")
    shares = RankShare(loader.sampler, loader.batch_size, world, rank())
    sharded = DataLoader(loader.dataset, batch_sampler=shares, num_workers=loader.num_workers,
                         collate_fn=loader.collate_fn, worker_init_fn=_seed_rank_worker, generator=loader.generator)
    sharded.share_weight = shares.share * world / loader.batch_size
    sharded.global_batch = loader.batch_size
    return sharded


def _seed_rank_worker(worker_id):
    """A loader worker's seeds, offset by the rank: the workers' base seed comes from the shared
    generator, so without the offset rank r's k-th image would get rank 0's crop and flip."""
    seed = rank_seed(torch.initial_seed()) % 2**32
    np.random.seed(seed)
    random.seed(seed)


def rank_seed(seed):
    """A rank's seed for its own random draws (augmentation): `seed` on rank 0 and in one process."""
    return seed + 1_000_033 * rank() if active() else seed
