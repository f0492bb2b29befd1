"""Step 1: train the in-distribution classifier F_in, the baseline (Eq. 3, D_in term only).

IRN's recipe: multilabel BCE, SGD with a poly learning rate, classifier at 10x, frozen stem and
batch-norm statistics; the loop, checkpoints and resume are misc/chain/engine.py's. Checkpoint:
`--cam_weights_name`; one JSON line per epoch in result/<run>/baseline/train_log.jsonl. Kept
when it was trained from the same lists, pretrained backbone and flags. No mask is read here.
"""
import logging

import torch.nn.functional as F

from misc import io_utils
from misc.chain import layout, rerun
from misc.chain.engine import fit
from misc.method.cam_training import CLASSIFIER_FLAGS, build_optimizer, validate
from misc.torchutils import resolve_device, seed_everything
from net.factory import new_cam_net, pretrained_inputs
from voc12.datasets import in_distribution_loaders

log = logging.getLogger(__name__)
FLAGS = CLASSIFIER_FLAGS + ("cam_num_epoches", "cam_learning_rate")


def made_from(args):
    inputs = {"data": args.list_dir, "train_list": args.train_list, "val_list": args.val_list,
              "cls_labels": args.cls_labels, **pretrained_inputs(args)}
    return {**rerun.fingerprints(inputs), **{k: getattr(args, k) for k in FLAGS}}


def run(args):
    record = made_from(args)
    rerun.refuse_foreign(args, "cam_weights_name", args.cam_weights_name,
                         "to use it as F_in, pass --train_cam_pass false; to train, give another --cam_weights_name")
    if rerun.skip_file(args.cam_weights_name, record, args.overwrite, "F_in"):
        return rerun.SKIPPED
    seed_everything(args.seed)  # the new classifier's initialisation
    device = resolve_device(args.device)
    class_names = io_utils.read_lines(args.class_names_file, "class names")
    train_loader, val_loader = in_distribution_loaders(args, len(class_names))
    net, model_args = new_cam_net(args, len(class_names))
    net = net.freeze_stages(args.cam_frozen_stages).to(device)
    optimizer = build_optimizer(net, args.cam_learning_rate, args.cam_weight_decay, args.cam_momentum)

    def loss_of(model, batch):
        logits, _ = model(batch["img"].to(device))
        return F.binary_cross_entropy_with_logits(logits.float(), batch["label"].to(device)), {}

    fit(net, optimizer, train_loader, loss_of, path=args.cam_weights_name, epochs=args.cam_num_epoches,
        seed=args.seed, made_from=record, model_args=model_args, config=vars(args),
        log_path=layout.train_log(args, "baseline"), device=device, amp=args.amp, desc="train F_in",
        on_epoch_end=lambda epoch, _: validate(net, val_loader, device), overwrite=args.overwrite)
