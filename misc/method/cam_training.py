"""Pieces shared by the classifier-training steps (1: F_in, 4: W-OoD)."""
import numpy as np
import torch
import torch.nn.functional as F

from misc.chain.engine import with_base_lr


def build_optimizer(net, lr, weight_decay, momentum):
    """SGD with the classifier at 10x the backbone's learning rate (IRN)."""
    backbone, classifier = net.param_groups()
    return torch.optim.SGD(with_base_lr([{"params": backbone, "lr": lr}, {"params": classifier, "lr": 10 * lr}]),
                           lr=lr, weight_decay=weight_decay, momentum=momentum)


# Flags that shape a trained classifier (steps 1 and 4 record them in what it was made from).
CLASSIFIER_FLAGS = ("backbone", "small_widths", "backbone_pretrained", "cam_batch_size", "cam_weight_decay",
                    "cam_momentum", "cam_crop_size", "cam_resize_long", "seed", "amp", "num_workers",
                    "cam_frozen_stages", "resize_kernel")


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
