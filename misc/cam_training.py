"""Pieces shared by the classifier-training steps (1: F_in, 4: W-OoD)."""
import logging
import os

import numpy as np
import torch
import torch.nn.functional as F

from misc import io_utils
from misc.torchutils import make_loader, poly_lr
from voc12.datasets import ClassificationDataset
from voc12.voc_lists import load_cls_labels

log = logging.getLogger(__name__)


def build_optimizer(net, lr, weight_decay, momentum):
    """SGD with the classifier at 10x the backbone's learning rate (IRN)."""
    backbone, classifier = net.param_groups()
    return torch.optim.SGD([
        {"params": backbone, "lr": lr, "base_lr": lr},
        {"params": classifier, "lr": 10 * lr, "base_lr": 10 * lr},
    ], lr=lr, weight_decay=weight_decay, momentum=momentum)


def set_poly_lr(optimizer, step, max_step):
    for group in optimizer.param_groups:
        group["lr"] = poly_lr(group["base_lr"], step, max_step)


def in_distribution_loaders(args, num_classes):
    """(train loader with IRN augmentation, val loader without) over --train_list / --val_list."""
    train_ids = io_utils.read_lines(args.train_list, "train list")
    val_ids = io_utils.read_lines(args.val_list, "val list")
    labels = load_cls_labels(args.cls_labels, train_ids + val_ids)
    image_dir = os.path.join(args.voc12_root, "JPEGImages")
    train_set = ClassificationDataset(train_ids, image_dir, labels, num_classes, tuple(args.cam_resize_long),
                                      args.cam_crop_size, hor_flip=True)
    val_set = ClassificationDataset(val_ids, image_dir, labels, num_classes, None, args.cam_crop_size, hor_flip=False)
    train_loader = make_loader(train_set, args.cam_batch_size, True, args.seed, args.num_workers, drop_last=True)
    val_loader = make_loader(val_set, args.cam_batch_size, False, args.seed, args.num_workers)
    return train_loader, val_loader


@torch.no_grad()
def validate(net, loader, device):
    """Mean BCE and label accuracy at p = 0.5 on image-level labels (never masks)."""
    net.eval()
    losses, correct, total = [], 0, 0
    for batch in loader:
        img, label = batch["img"].to(device), batch["label"].to(device)
        logits, _ = net(img)
        losses.append(F.binary_cross_entropy_with_logits(logits, label).item() * len(img))
        correct += ((logits > 0).float() == label).sum().item()
        total += label.numel()
    net.train()
    return {"val_loss": float(np.sum(losses) / max(1, len(loader.dataset))), "val_label_acc": correct / max(1, total)}


def save_cam_checkpoint(path, net, optimizer, epoch, step, model_args, args, history):
    io_utils.save_torch(path, {
        "model": net.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch, "step": step,
        "model_args": model_args, "config": {k: v for k, v in vars(args).items()}, "history": history})
