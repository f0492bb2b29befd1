"""The one training engine: epoch loop, poly schedule, epoch log, checkpoints and resume.

Every training step (0b pretraining stand-in, 1 F_in, 4 W-OoD, 8 IRN, 11 Table 3's network)
calls `fit`, giving it the network, its optimizer, the loader and a `loss_of(model, batch)` that
forwards through `model` and returns (loss, {name: float}). The engine owns the rest:
- torchrun (misc/chain/distributed.py): `model` is the network in DistributedDataParallel, the loader
  gives each rank its share of every global batch, the epoch log averages over ranks, and only
  rank 0 writes the log and the checkpoints (the others wait for it); in one process `model` is
  the network and nothing changes;
- IRN's poly schedule lr = base_lr * (1 - step / max_step) ** 0.9 on every parameter group
  (each group's `base_lr`), set before every optimisation step;
- per-epoch seeding: every random number of epoch e (sampler order, augmentation, an OoD
  stream) comes from seeds derived from (seed, e), so a run resumed at epoch e draws exactly
  what an uninterrupted run draws, and the resumed weights equal the uninterrupted ones bit for
  bit on CPU;
- the epoch log: one JSON line per epoch, fresh for a new run, rewritten from the checkpoint's
  history and appended to on resume;
- checkpoints in the one layout of misc/chain/checkpoints.py: after every epoch but the last,
  `<path>.resume` (atomic); after the last, `<path>` itself, then its made-from record
  (misc/chain/rerun.py), then the resume file is removed. Downstream steps read only `<path>`,
  so a half-trained network is never taken as finished.
"""
import contextlib
import json
import logging
import os
import time

import numpy as np
import torch

from misc import io_utils
from misc.chain import distributed, rerun
from misc.chain.amp import grad_scaler, set_amp
from misc.chain.checkpoints import checkpoint_dict, load_checkpoint, load_weights, save_final
from misc.chain.errors import BadInput
from misc.chain.layout import resume_path
from misc.chain.progress import progress
from misc.torchutils import seed_everything

log = logging.getLogger(__name__)


def poly_lr(base_lr, step, max_step, power=0.9):
    """IRN's poly schedule as a pure function of the step."""
    return base_lr * (1.0 - min(step, max_step) / max(max_step, 1)) ** power


def set_poly_lr(optimizer, step, max_step):
    for group in optimizer.param_groups:
        group["lr"] = poly_lr(group["base_lr"], step, max_step)


def with_base_lr(param_groups):
    """Parameter groups for an optimizer, each keeping its starting lr as `base_lr`."""
    return [{**g, "base_lr": g["lr"]} for g in param_groups]


def check_finite(loss, step, what="loss"):
    if not torch.isfinite(loss):
        raise FloatingPointError(f"non-finite {what} ({loss.item()}) at step {step}; stopping. "
                                 f"Lower the learning rate or the loss weights.")


def epoch_seed(seed, epoch, stream=0):
    """The seed of epoch `epoch` (and of extra random stream `stream`) of a run seeded `seed`."""
    return (int(seed) * 1_000_003 + epoch * 7_919 + stream * 104_729) % 2**31


def train_one_epoch(net, loader, optimizer, loss_of, step, max_step, device, amp, desc, model=None, scaler=None,
                    accumulate=1):
    """One pass over `loader`: poly lr, forward through `model` (the network, or its DDP wrapper;
    autocast inside it with --amp), finite check, backward, step. With `accumulate` K, each
    optimisation step sums the gradients of K micro-batches of the loader, each loss divided by K
    (the mean over K equal micro-batches is the whole batch's mean; deeplab-pytorch's iter_size);
    micro-batches left over at the epoch's end are not used. `scaler`: fp16's GradScaler. Returns
    (step after the epoch, the epoch's mean of every part and of the loss, over all ranks)."""
    model = model if model is not None else net
    net.train()
    sums, count, seen, start = {}, 0, 0, time.time()
    usable = (len(loader) // accumulate) * accumulate
    share_weight = getattr(loader, "share_weight", 1.0)  # 1.0 in one process and for even shares
    bar = progress(loader, desc=desc, leave=False, mininterval=1.0, total=usable)
    for k, batch in enumerate(bar):
        if k == usable:
            break
        first, last = k % accumulate == 0, k % accumulate == accumulate - 1
        if first:
            set_poly_lr(optimizer, step, max_step)
            optimizer.zero_grad(set_to_none=True)
        # DDP: all-reduce the gradients once per optimisation step, at its last micro-batch
        sync = model.no_sync() if not last and hasattr(model, "no_sync") else contextlib.nullcontext()
        with sync:
            loss, parts = loss_of(model, batch)  # --amp: autocast inside the network's forward (misc/chain/amp.py)
            loss = loss.float()
            check_finite(loss, step)
            scaled = loss * (share_weight / accumulate)  # share_weight: this rank's part of an uneven global batch
            (scaler.scale(scaled) if scaler else scaled).backward()
        if last:
            if scaler:  # fp16: skips the step when a gradient overflowed, then adapts the scale
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            step += 1
        count += 1
        seen, value = seen + _batch_len(batch), loss.item()  # one device sync per micro-batch
        for key, part in {**parts, "loss": value}.items():
            sums[key] = sums.get(key, 0.0) + part
        bar.set_postfix(loss=f"{value:.4f}", img_per_s=f"{seen / max(time.time() - start, 1e-9):.0f}")
    seconds = time.time() - start
    if distributed.active():  # every rank's batches: the global batch's mean, as one process logs it
        totals = distributed.all_reduce_sum(np.array([count, seen, *sums.values()], np.float64))
        count, seen = int(totals[0]) // distributed.world_size(), int(totals[1])
        sums = {k: float(v) / distributed.world_size() for k, v in zip(sums, totals[2:])}  # plain floats: weights-only
    return step, {**{k: v / max(1, count) for k, v in sums.items()}, "images_per_s": seen / max(seconds, 1e-9),
                  "seconds": seconds}


def _batch_len(batch):
    first = batch["img"] if isinstance(batch, dict) else batch[0]
    return len(first)


def fit(net, optimizer, loader, loss_of, *, path, epochs, seed, made_from, model_args, config, log_path, device,
        amp=False, desc="train", on_epoch_start=None, on_epoch_end=None, overwrite=False, accumulate=1, uneven=False):
    """Train for `epochs` epochs (resuming from `<path>.resume` when it was made from the same
    `made_from`, unless `overwrite`), save the checkpoint at `path` and return it.
    accumulate: micro-batches per optimisation step (the loader's batches are micro-batches).
    uneven: under torchrun, a (micro-)batch that does not divide by the ranks is shared unevenly,
    each rank's loss weighted by its share (misc/chain/distributed.py shard_loader).

    on_epoch_start(epoch): reseed extra random streams (e.g. W-OoD's OoD loader) from the epoch;
    on_epoch_end(epoch, record): extra numbers for the epoch's log line (e.g. validation).
    """
    if epochs < 1:
        raise BadInput(f"{desc}: {epochs} epochs asked for; training needs at least 1")
    if len(loader) == 0:
        raise BadInput(f"{desc}: the loader has no batch (batch size {loader.batch_size} with drop_last over "
                       f"{len(loader.dataset)} images): training would take 0 steps; lower the batch size")
    if len(loader) < accumulate:
        raise BadInput(f"{desc}: the loader has {len(loader)} micro-batches, fewer than the {accumulate} one "
                       f"optimisation step accumulates; lower the batch size or the accumulation")
    made_from = rerun.as_stored(made_from)
    if torch.device(device).type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed training crops: cuDNN picks its fastest kernels once
    loader, model = distributed.shard_loader(loader, uneven), distributed.wrap(set_amp(net, amp), device)
    max_step, start_epoch, step, history = epochs * (len(loader) // accumulate), 0, 0, []
    scaler = grad_scaler(amp, device)
    resume = resume_path(path)
    main = distributed.is_main()
    if main:
        for name in (path, resume):  # only this checkpoint's: the folder may be shared (sess/pretrained)
            io_utils.remove_leftovers(os.path.dirname(os.path.abspath(name)), prefix="." + os.path.basename(name) + ".")
        if overwrite and os.path.isfile(resume):
            log.info("%s: --overwrite, not resuming from %s", desc, resume)
            os.remove(resume)
    distributed.barrier()
    if os.path.isfile(resume):
        saved = load_checkpoint(resume, "resume checkpoint")
        if rerun.changed(saved["made_from"], made_from) is None:
            load_weights(net, saved["model"], resume)
            optimizer.load_state_dict(saved["optimizer"])
            if scaler and "grad_scaler" in saved:
                scaler.load_state_dict(saved["grad_scaler"])
            start_epoch, step, history = saved["epoch"], saved["step"], saved["history"]
            log.info("%s: resuming from %s after epoch %d of %d", desc, resume, start_epoch, epochs)
        else:
            log.warning("%s: %s was made from other inputs (%s): starting over", desc, resume,
                        rerun.changed(saved["made_from"], made_from))
    if main:
        io_utils.save_text(log_path, "".join(json.dumps(r) + "\n" for r in history))  # fresh, or the resumed epochs
    for epoch in range(start_epoch, epochs):
        _seed_epoch(loader, seed, epoch)
        if on_epoch_start:
            on_epoch_start(epoch)
        step, record = train_one_epoch(net, loader, optimizer, loss_of, step, max_step, device, amp,
                                       f"{desc} {epoch + 1}/{epochs}", model, scaler, accumulate)
        if on_epoch_end:
            record.update(on_epoch_end(epoch, record) or {})
        record = {"epoch": epoch + 1, **record}
        history.append(record)
        checkpoint = checkpoint_dict(net, optimizer, epoch + 1, step, seed, model_args, config, made_from, history)
        if scaler:  # resumes with the loss scale it had
            checkpoint["grad_scaler"] = scaler.state_dict()
        if main:
            with open(log_path, "a") as f:
                f.write(json.dumps(record) + "\n")
            log.info("%s epoch %d: %s", desc, epoch + 1, {k: round(v, 4) for k, v in record.items()})
            if epoch + 1 < epochs:
                io_utils.save_torch(resume, checkpoint)
    if main:
        save_final(path, checkpoint)
        if os.path.isfile(resume):
            os.remove(resume)
        log.info("%s saved: %s", desc, path)
    distributed.barrier()  # no rank reads the checkpoint before rank 0 has written it
    return checkpoint


def _seed_epoch(loader, seed, epoch):
    """Every random number of the epoch from (seed, epoch): global RNGs (augmentation) and the
    loader's own generator (sampler order, worker seeds)."""
    value = epoch_seed(seed, epoch)
    seed_everything(distributed.rank_seed(value))  # under torchrun each rank augments its own images
    if loader.generator is not None:  # the batches' order: the same on every rank
        loader.generator.manual_seed(value)
