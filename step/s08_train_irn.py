"""Step 8: train IRN's class-boundary branch from the IR labels (IRN Sec. 3.2, affinity loss).

The network and its loss are net/irn_net.py's (BoundaryNet, affinity_loss); the loop, schedule,
checkpoints and resume misc/chain/engine.py's. One network per row (its seeds make its IR labels):
sess/<run>/irn_<row>.pth, kept when trained from the same IR labels, ids and IRN flags. Each row
is seeded on its own (from --seed), so a run killed after one row trains the next as an
uninterrupted run would.
"""
import logging

import torch

from misc.chain import layout, rerun
from misc.chain.engine import fit, with_base_lr
from misc.chain.rows import selected_rows
from misc.chain.subsets import irn_ids
from misc.seeds.path_index import batch_affinity_labels
from misc.torchutils import make_loader, resolve_device, seed_everything
from net import build_backbone
from net.factory import load_pretrained_backbone, pretrained_inputs
from net.irn_net import BoundaryNet, affinity_loss
from voc12.ir_label_dataset import IRLabelDataset

log = logging.getLogger(__name__)
IRN_FLAGS = ("irn_crop_size", "irn_resize_long", "irn_batch_size", "irn_num_epoches", "irn_learning_rate",
             "irn_weight_decay", "irn_radius", "cam_momentum", "backbone", "small_widths", "backbone_pretrained",
             "seed", "amp", "num_workers", "irn_augment", "irn_scale_range", "resize_kernel", "irn_label_sampling",
             "irn_pair_sources", "irn_path", "irn_edge_branch")


def new_boundary_net(args):
    backbone = build_backbone(args.backbone, args.small_widths)
    if args.backbone_pretrained:
        load_pretrained_backbone(backbone, args)
    return BoundaryNet(backbone, branch=args.irn_edge_branch)


def made_from(args, row, rows, ids):
    """What an IRN is trained from: its IR-label folder, the training ids, the backbone and the IRN flags."""
    inputs = {"ir_label": layout.ir_label_dir(args, row, rows), **pretrained_inputs(args)}
    return {**rerun.fingerprints(inputs), "ids_sha1": rerun.ids_fingerprint(ids),
            **{k: getattr(args, k) for k in IRN_FLAGS}}


def train_one(args, row, rows, device, record, ids):
    seed_everything(args.seed)  # per row: the row's initialisation does not depend on the rows before it
    dataset = IRLabelDataset(ids, layout.image_dir(args.voc12_root), layout.ir_label_dir(args, row, rows),
                             args.irn_radius, tuple(args.irn_resize_long), args.irn_crop_size, args.irn_augment,
                             tuple(args.irn_scale_range), args.resize_kernel, args.irn_label_sampling,
                             args.irn_pair_sources, pair_masks=False)  # the masks: built on the device below
    loader = make_loader(dataset, args.irn_batch_size, True, args.seed, args.num_workers, drop_last=True)
    net = new_boundary_net(args).to(device)
    params = [p for p in net.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(with_base_lr([{"params": params, "lr": args.irn_learning_rate}]),
                                weight_decay=args.irn_weight_decay, momentum=args.cam_momentum)

    def loss_of(model, batch):
        logits = model(batch["img"].to(device))
        bg_pos, fg_pos, neg = batch_affinity_labels(batch["label"].to(device), args.irn_radius,
                                                    sources=args.irn_pair_sources)
        return affinity_loss(logits.float(), bg_pos, fg_pos, neg, args.irn_radius, args.irn_path)

    fit(net, optimizer, loader, loss_of, path=layout.irn_checkpoint(args, row), epochs=args.irn_num_epoches,
        seed=args.seed, made_from=record, config=vars(args),
        model_args={"backbone": args.backbone, "small_widths": list(args.small_widths),
                    "edge_branch": args.irn_edge_branch},
        log_path=layout.irn_train_log(args, row), device=device, amp=args.amp, desc=f"train IRN {row}",
        overwrite=args.overwrite)


def run(args):
    device = resolve_device(args.device)
    rows, ids = selected_rows(args), irn_ids(args)
    trained = 0
    for row in rows:
        record = made_from(args, row, rows, ids)
        if rerun.skip_file(layout.irn_checkpoint(args, row), record, args.overwrite, f"IRN {row}"):
            continue
        train_one(args, row, rows, device, record, ids)
        trained += 1
    return None if trained else rerun.SKIPPED
