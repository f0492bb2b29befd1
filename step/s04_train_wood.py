"""Step 4: train the W-OoD classifier from F_in (paper Sec. 3.2, Eq. 1-4, Table 5).

Each step draws an in-distribution batch and a hard-OoD batch:
    L = L_cls(D_in, y) + L_cls(D_ood, 0) + lambda * L_d,   L_d = pull(P_in) - push(top-tau% of P_ood)
(Eq. 3, 4, 2). Switches --wood_cls_in / --wood_cls_ood / --wood_pull / --wood_push turn each term
on or off, so every column of Table 5 is one command; with the last three off it is the
fine-tune control (F_in trained on for the same steps, no OoD data). Centres come from step 3
and stay fixed. The feature norm and both distance terms are logged per epoch, and training
stops with a clear message on a non-finite loss. Checkpoint: sess/<run>/cam_<wood_name>.pth,
kept when made from the same F_in, clusters, lists and flags; loop and resume: misc/chain/engine.py.
"""
import logging
import os

import torch

from misc import io_utils
from misc.chain import distributed, layout, rerun
from misc.chain.engine import epoch_seed, fit
from misc.chain.errors import MissingInput
from misc.chain.subsets import ood_ids, train_ids
from misc.method.cam_training import CLASSIFIER_FLAGS, build_optimizer
from misc.method.clustering import load_cluster_file
from misc.method.release_ood_climb import class_mask, climb_top_logit
from misc.method.wood_loss import classification_loss, distance_loss
from misc.torchutils import make_loader, resolve_device, seed_everything
from net.factory import load_cam_net
from voc12.datasets import ClassificationDataset
from voc12.voc_lists import load_cls_labels

log = logging.getLogger(__name__)


def endless(loader):
    while True:
        yield from loader


def build_loaders(args, num_classes):
    ids_in = train_ids(args)
    labels = load_cls_labels(args.cls_labels, ids_in)
    aug = dict(resize_long=tuple(args.cam_resize_long), crop_size=args.cam_crop_size, hor_flip=True,
               kernel=args.resize_kernel)
    in_set = ClassificationDataset(ids_in, layout.image_dir(args.voc12_root), labels, num_classes, **aug)
    in_loader = make_loader(in_set, args.cam_batch_size, True, args.seed, args.num_workers, drop_last=True)
    if not uses_ood(args):  # the fine-tune control and pull-only runs read no OoD image
        return in_loader, None
    ood_set = ClassificationDataset(ood_ids(args), layout.ood_image_dir(args), None, num_classes, **aug)
    ood_loader = make_loader(ood_set, min(args.ood_batch_size, len(ood_set)), True, args.seed + 1, args.num_workers,
                             drop_last=True)
    return in_loader, ood_loader


def load_centres(args, device):
    if not os.path.isfile(args.cluster_file):
        raise MissingInput(f"cluster file not found: {args.cluster_file} (run step 3, --cluster_pass true)")
    clusters = load_cluster_file(args.cluster_file)
    centres = (torch.from_numpy(clusters["class_centres"]).to(device), torch.from_numpy(clusters["ood_centres"]).to(device))
    return centres, clusters["feature_norm_in"]


def train_step(net, batch_in, batch_ood, centres, args, device, model=None):
    """One optimisation target: returns (loss, parts dict). Forward of D_in and D_ood in one batch
    through `model` (the network, or its DDP wrapper under torchrun; batch-norm statistics are
    frozen, so this equals two separate passes)."""
    model = model if model is not None else net
    img_in, labels = batch_in["img"].to(device), batch_in["label"].to(device)
    img_ood = batch_ood["img"].to(device) if batch_ood is not None else img_in[:0]
    if args.ood_adv_climb and len(img_ood):
        img_ood = climb_top_logit(net, img_ood, args.ood_adv_eps)
    logits, z = model(torch.cat([img_in, img_ood]))
    n = len(img_in)
    mask = class_mask(logits[n:], args.ood_class_mask) if len(img_ood) else None
    cls, parts = classification_loss(logits[:n], labels, logits[n:], args.wood_cls_in, args.wood_cls_ood,
                                     args.ood_coeff, mask)
    loss = cls
    if args.wood_pull or args.wood_push:
        ld, dist_parts = distance_loss(z[:n], labels, *centres, args.ood_dist_topk, args.wood_pull, args.wood_push,
                                       args.distance_form)
        loss = loss + args.distance_lambda * ld
        parts.update(dist_parts, L_d=ld.item())
    parts["feature_norm"] = z[:n].detach().norm(dim=1).mean().item()
    return loss, parts


WOOD_FLAGS = CLASSIFIER_FLAGS + (
    "wood_num_epoches", "wood_learning_rate", "ood_batch_size", "in_num", "ood_num", "subset_seed", "wood_cls_in",
    "wood_cls_ood", "wood_pull", "wood_push", "distance_lambda", "ood_dist_topk", "distance_form", "ood_coeff",
    "ood_adv_climb", "ood_adv_eps", "ood_class_mask")


def uses_ood(args):
    """D_ood takes part through the OoD BCE (Eq. 3) or the push term (Eq. 2)."""
    return args.wood_cls_ood or args.wood_push


def made_from(args):
    inputs = {"f_in": args.cam_weights_name, "data": args.list_dir, "train_list": args.train_list,
              "cls_labels": args.cls_labels}
    if uses_ood(args):
        inputs.update(ood_list=args.ood_list, pool=layout.pool_content(args))
    if args.wood_pull or args.wood_push:
        inputs["clusters"] = args.cluster_file
    return {**rerun.fingerprints(inputs), **{k: getattr(args, k) for k in WOOD_FLAGS}}


def run(args):
    path = layout.checkpoint_of(args, args.wood_name)
    record = made_from(args)
    if rerun.skip_file(path, record, args.overwrite, f"W-OoD classifier '{args.wood_name}'"):
        return rerun.SKIPPED
    seed_everything(args.seed)
    device = resolve_device(args.device)
    class_names = io_utils.read_lines(args.class_names_file, "class names")
    net, f_in = load_cam_net(args.cam_weights_name, device)  # initialised from F_in
    net.freeze_stages(args.cam_frozen_stages)
    in_loader, ood_loader = build_loaders(args, len(class_names))
    centres, f_in_norm = load_centres(args, device) if (args.wood_pull or args.wood_push) else (None, None)
    optimizer = build_optimizer(net, args.wood_learning_rate, args.cam_weight_decay, args.cam_momentum)
    log.info("W-OoD '%s': terms cls_in=%s cls_ood=%s pull=%s push=%s, lambda=%g, tau=%g, form=%s, %d steps",
             args.wood_name, args.wood_cls_in, args.wood_cls_ood, args.wood_pull, args.wood_push,
             args.distance_lambda, args.ood_dist_topk, args.distance_form, args.wood_num_epoches * len(in_loader))
    ood_stream = {}
    sharded_ood = distributed.shard_loader(ood_loader) if ood_loader is not None else None  # torchrun: a share a rank

    def restart_ood_stream(epoch):
        """The OoD batches of an epoch depend on (seed, epoch) only, so a resumed run draws the same."""
        if ood_loader is None:
            ood_stream["it"] = None
            return
        ood_loader.generator.manual_seed(epoch_seed(args.seed, epoch, stream=1))
        ood_stream["it"] = endless(sharded_ood)

    def loss_of(model, batch_in):
        batch_ood = next(ood_stream["it"]) if ood_stream["it"] else None
        return train_step(net, batch_in, batch_ood, centres, args, device, model)

    def warn_on_norm(epoch, record_):
        if f_in_norm and record_["feature_norm"] > 2 * f_in_norm:
            log.warning("feature norm %.1f is over twice F_in's %.1f: L_d is pushing features away without bound "
                        "(Eq. 2 as written); consider --distance_form release or a smaller --distance_lambda",
                        record_["feature_norm"], f_in_norm)

    fit(net, optimizer, in_loader, loss_of, path=path, epochs=args.wood_num_epoches, seed=args.seed,
        made_from=record, model_args=f_in["model_args"], config=vars(args),
        log_path=layout.train_log(args, args.wood_name), device=device, amp=args.amp,
        desc=f"train {args.wood_name}", on_epoch_start=restart_ood_stream, on_epoch_end=warn_on_norm,
        overwrite=args.overwrite)
