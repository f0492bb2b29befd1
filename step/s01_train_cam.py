"""Step 1: train the in-distribution classifier F_in, the baseline (Eq. 3, D_in term only).

IRN's recipe: multilabel BCE, SGD with a poly learning rate, classifier at 10x, frozen stem and
batch-norm statistics. Checkpoint: `--cam_weights_name`; one JSON line per epoch in
result/<run>/baseline/train_log.jsonl. No ground-truth mask is read here.
"""
import json
import logging
import os
import time

import torch.nn.functional as F
from tqdm import tqdm

from misc import io_utils
from misc.cam_training import build_optimizer, in_distribution_loaders, save_cam_checkpoint, set_poly_lr, validate
from misc.torchutils import autocast_context, check_finite, resolve_device, seed_everything
from net.factory import new_cam_net

log = logging.getLogger(__name__)


def run(args):
    if os.path.isfile(args.cam_weights_name) and not args.overwrite:
        log.info("F_in checkpoint exists, skipping: %s", args.cam_weights_name)
        return
    seed_everything(args.seed)
    device = resolve_device(args.device)
    class_names = io_utils.read_lines(args.class_names_file, "class names")
    train_loader, val_loader = in_distribution_loaders(args, len(class_names))
    net, model_args = new_cam_net(args, len(class_names))
    net = net.to(device).train()
    optimizer = build_optimizer(net, args.cam_learning_rate, args.cam_weight_decay, args.cam_momentum)
    max_step, step, history = args.cam_num_epoches * len(train_loader), 0, []
    log_path = os.path.join(args.result_dir, "baseline", "train_log.jsonl")
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    for epoch in range(args.cam_num_epoches):
        start, seen, loss_sum = time.time(), 0, 0.0
        bar = tqdm(train_loader, desc=f"train F_in {epoch + 1}/{args.cam_num_epoches}", leave=False)
        for batch in bar:
            img, label = batch["img"].to(device), batch["label"].to(device)
            set_poly_lr(optimizer, step, max_step)
            with autocast_context(device, args.amp):
                logits, _ = net(img)
            loss = F.binary_cross_entropy_with_logits(logits.float(), label)
            check_finite(loss, step)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step, seen, loss_sum = step + 1, seen + len(img), loss_sum + loss.item() * len(img)
            bar.set_postfix(loss=f"{loss.item():.4f}", img_per_s=f"{seen / (time.time() - start):.0f}")
        record = {"epoch": epoch + 1, "train_loss": loss_sum / max(1, seen), **validate(net, val_loader, device),
                  "images_per_s": seen / (time.time() - start)}
        history.append(record)
        with open(log_path, "a") as f:
            f.write(json.dumps(record) + "\n")
        log.info("F_in epoch %d: %s", epoch + 1, {k: round(v, 4) for k, v in record.items()})
    save_cam_checkpoint(args.cam_weights_name, net, optimizer, args.cam_num_epoches, step, model_args, args, history)
    log.info("F_in saved: %s", args.cam_weights_name)
