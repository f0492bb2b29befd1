"""Step 8: train IRN's class-boundary branch from the IR labels (IRN Sec. 3.2, affinity loss).

For every pixel pair within --irn_radius on the stride-4 grid, the affinity is
a = 1 - max boundary on the line between them; background pairs and same-class foreground pairs
are pulled to a = 1, pairs of different labels to a = 0, pairs touching 255 are ignored:
    L = (mean_bgpos[-log a] / 2 + mean_fgpos[-log a] / 2) / 2 + mean_neg[-log(1 - a)] / 2.
One network per row (its seeds make its IR labels): sess/<run>/irn_<model>.pth. An existing one
is kept unless --overwrite true or it was trained from other IR labels, ids or IRN flags.
"""
import hashlib
import json
import logging
import os
import time

import torch
from tqdm import tqdm

from misc import io_utils
from misc.path_index import pair_max_edge
from misc.provenance import as_stored, folder_fingerprint
from misc.run_models import ir_label_dir, model_dir, selected_models
from misc.subsets import infer_ids
from misc.torchutils import check_finite, load_checkpoint, make_loader, poly_lr, resolve_device, seed_everything
from net import build_backbone
from net.factory import load_pretrained_backbone
from net.irn_net import BoundaryNet
from voc12.ir_label_dataset import IRLabelDataset

log = logging.getLogger(__name__)


def affinity_loss(edge_logits, bg_pos, fg_pos, neg, radius):
    """IRN's loss from boundary logits (B, H, W) and pair masks (B, D, H, W). Returns (loss, parts)."""
    max_edge, valid = pair_max_edge(torch.sigmoid(edge_logits), radius)
    aff = 1.0 - max_edge
    pos_loss, neg_loss = -torch.log(aff + 1e-5), -torch.log(1.0 + 1e-5 - aff)

    def masked_mean(loss, mask):
        mask = (mask & valid).float()
        return (loss * mask).sum() / (mask.sum() + 1e-5)

    bg, fg, ng = masked_mean(pos_loss, bg_pos), masked_mean(pos_loss, fg_pos), masked_mean(neg_loss, neg)
    return (bg / 2 + fg / 2) / 2 + ng / 2, {"bg_pos": bg.item(), "fg_pos": fg.item(), "neg": ng.item()}


def irn_checkpoint(args, model):
    return os.path.join(args.sess_dir, f"irn_{model}.pth")


def new_boundary_net(args):
    backbone = build_backbone(args.backbone, args.small_widths)
    if args.backbone_pretrained:
        load_pretrained_backbone(backbone, args)
    return BoundaryNet(backbone)


def train_one(args, model, models, device):
    ids = infer_ids(args)
    dataset = IRLabelDataset(ids, os.path.join(args.voc12_root, "JPEGImages"), ir_label_dir(args, model, models),
                             args.irn_radius, tuple(args.irn_resize_long), args.irn_crop_size)
    loader = make_loader(dataset, args.irn_batch_size, True, args.seed, args.num_workers, drop_last=True)
    net = new_boundary_net(args).to(device).train()
    params = [p for p in net.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=args.irn_learning_rate, weight_decay=args.irn_weight_decay,
                                momentum=args.cam_momentum)
    max_step, step, history = args.irn_num_epoches * len(loader), 0, []
    for epoch in range(args.irn_num_epoches):
        start, sums = time.time(), {}
        for batch in tqdm(loader, desc=f"train IRN {model} {epoch + 1}/{args.irn_num_epoches}", leave=False):
            for group in optimizer.param_groups:
                group["lr"] = poly_lr(args.irn_learning_rate, step, max_step)
            logits = net(batch["img"].to(device))
            loss, parts = affinity_loss(logits, batch["bg_pos"].to(device), batch["fg_pos"].to(device),
                                        batch["neg"].to(device), args.irn_radius)
            check_finite(loss, step)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            for k, v in {**parts, "loss": loss.item()}.items():
                sums[k] = sums.get(k, 0.0) + v
        record = {"epoch": epoch + 1, **{k: v / max(1, len(loader)) for k, v in sums.items()},
                  "seconds": time.time() - start}
        history.append(record)
        log.info("IRN %s epoch %d: %s", model, epoch + 1, {k: round(v, 4) for k, v in record.items()})
    with open(os.path.join(model_dir(args, model), "irn_train_log.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in history)
    io_utils.save_torch(irn_checkpoint(args, model), {
        "model": net.state_dict(), "model_args": {"backbone": args.backbone, "small_widths": list(args.small_widths)},
        "history": history, "made_from": made_from_of(args, model, models)})


IRN_FLAGS = ("irn_crop_size", "irn_resize_long", "irn_batch_size", "irn_num_epoches", "irn_learning_rate",
             "irn_weight_decay", "irn_radius", "seed")


def made_from_of(args, model, models):
    """What an IRN is trained from: its IR-label folder, the training ids and the IRN flags."""
    ids = "\n".join(infer_ids(args)).encode()
    return as_stored({"ir_label": folder_fingerprint(ir_label_dir(args, model, models)),
                      "ids_sha1": hashlib.sha1(ids).hexdigest(), **{k: getattr(args, k) for k in IRN_FLAGS}})


def is_current(args, model, models):
    """An IRN checkpoint exists and was trained from what this run would train it from."""
    path = irn_checkpoint(args, model)
    if not os.path.isfile(path):
        return False
    made_from = load_checkpoint(path, "cpu").get("made_from")
    if made_from is not None and made_from != made_from_of(args, model, models):
        log.warning("%s was trained from other IR labels, ids or flags: retraining", path)
        return False
    return True


def run(args):
    seed_everything(args.seed)
    device = resolve_device(args.device)
    models = selected_models(args)
    for model in models:
        if not args.overwrite and is_current(args, model, models):
            log.info("IRN checkpoint exists, skipping: %s", irn_checkpoint(args, model))
            continue
        train_one(args, model, models, device)
