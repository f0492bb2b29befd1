"""Step 11: train the segmentation network of Table 3 on the pseudo-masks (paper Sec. 4.1).

One network per row with pseudo-masks (baseline, W-OoD, AdvCAM rows when made): trained on step
9's masks of the --seg_ids images (`train`: the --train_list, train_aug on VOC; `infer`: the
--infer_list), never on their ground truth. With --seg_full_supervision (synthetic default) also
the upper bound `full_supervision`, trained on the ground-truth masks of the same images.
Recipe flags --seg_* (the `voc` preset: deeplab-pytorch's configs/voc12.yaml, docs/paper_setting.md); the loop,
poly schedule, checkpoints and resume are misc/chain/engine.py's. Cross-entropy over the logits
upsampled to the crop, 255 ignored, or DSRG's balanced loss (--seg_loss balanced, the author's
Table 3 recipe: --preset voc --seg_recipe author). Writes sess/<run>/seg_<row>.pth, kept when made from the
same masks, ids and flags.
"""
import logging
import os

import torch
import torch.nn.functional as F

from misc import io_utils
from misc.chain import layout, rerun
from misc.chain.checkpoints import load_weights
from misc.chain.engine import fit, with_base_lr
from misc.chain.errors import MissingInput
from misc.chain.row_names import FULL_SUPERVISION
from misc.chain.rows import seg_rows, selected_rows
from misc.chain.subsets import seg_ids
from misc.images import IGNORE_LABEL
from misc.torchutils import make_loader, resolve_device, seed_everything
from net.deeplab import build_seg_net, upsampled_logits
from net.factory import small_backbone_state
from net.torchvision_weights import TORCHVISION, torchvision_weights_file
from voc12.datasets import load_gt_mask
from voc12.seg_dataset import SegTrainDataset, mask_folder

log = logging.getLogger(__name__)
SEG_FLAGS = ("seg_net", "seg_backbone", "seg_aspp_rates", "seg_crop_size", "seg_train_scales",
             "seg_batch_size", "seg_num_epoches", "seg_learning_rate", "seg_weight_decay", "seg_momentum",
             "small_widths", "seed", "amp", "num_workers")
RECORDED_WHEN_NOT_DEFAULT = {"seg_loss": "ce", "seg_accumulate": 1}  # in the record when set: networks trained before it stay current


def model_args_of(args, num_classes):
    return {"net": args.seg_net, "backbone": args.seg_backbone, "num_classes": num_classes,
            "aspp_rates": list(args.seg_aspp_rates), "small_widths": list(args.small_widths)}


def pretrained_file(args):
    """The backbone's ImageNet (resnet101) or stand-in (small) weights; a clear error when missing."""
    path = args.seg_backbone_weights if args.seg_backbone == "resnet101" else args.backbone_weights
    if args.seg_backbone == "resnet101" and path == TORCHVISION:
        return torchvision_weights_file("resnet101", "--seg_backbone_weights")
    if not path or not os.path.isfile(path):
        raise MissingInput(
            f"segmentation backbone weights not found: {path!r} (resnet101: pass --seg_backbone_weights, a "
            f"torchvision ResNet-101 ImageNet state dict, or torchvision; small: run step 0b)")
    return path


def new_seg_net(args, num_classes):
    net = build_seg_net(model_args_of(args, num_classes))
    path = pretrained_file(args)
    if args.seg_backbone == "resnet101":
        net.backbone.load_imagenet(path)
    else:
        load_weights(net.backbone, small_backbone_state(path), path)
    return net


def masks_of(args, row, rows):
    """(mask_of(id), the folder or tree it reads) for a row."""
    if row == FULL_SUPERVISION:
        return (lambda image_id: load_gt_mask(args.voc12_root, image_id)), args.list_dir
    folder = layout.sem_seg_dir(args, row, rows)
    return mask_folder(folder), folder


def made_from(args, row, rows, ids):
    _, source = masks_of(args, row, rows)
    inputs = {"masks": source, "pretrained": pretrained_file(args), "data": args.list_dir}
    return {**rerun.fingerprints(inputs), "row": row, "ids_sha1": rerun.ids_fingerprint(ids),
            **{k: getattr(args, k) for k in SEG_FLAGS}, "seed": seg_seed(args),
            **{k: getattr(args, k) for k, default in RECORDED_WHEN_NOT_DEFAULT.items() if getattr(args, k) != default},
            "seg_seed": None if layout.seg_suffix(args) == "" else args.seg_seed}  # --seg_seed = --seed: the same network


def build_optimizer(net, args):
    """SGD, poly; deeplab-pytorch's groups: backbone at lr, head weights 10x, head biases 20x (no decay)."""
    backbone, weights, biases = net.param_groups()
    lr, wd = args.seg_learning_rate, args.seg_weight_decay
    return torch.optim.SGD(with_base_lr([{"params": backbone, "lr": lr, "weight_decay": wd},
                                         {"params": weights, "lr": 10 * lr, "weight_decay": wd},
                                         {"params": biases, "lr": 20 * lr, "weight_decay": 0.0}]),
                           lr=lr, momentum=args.seg_momentum)


def segmentation_loss(logits, mask, kind="ce"):
    """The loss of (B, C, H, W) logits against (B, H, W) masks at their size, 255 ignored.

    `ce`: cross-entropy averaged over every labelled pixel (deeplab-pytorch).
    `balanced`: DSRG's balanced seed loss (speedinghzl/DSRG, pylayers/pylayers.py,
    BalancedSeedLossLayer), which the paper's first author used for Table 3 (jbeomlee93/AdvCAM#9):
    per image, the mean cross-entropy over its background pixels plus the mean over its foreground
    pixels (all classes pooled), each over max(count, 1e-4) pixels, averaged over the batch,

        L = 1/B sum_b [ -1/|S_b^bg| sum_{u in S_b^bg} log p_u(0) - 1/|S_b^fg| sum_{u in S_b^fg} log p_u(y_u) ],

    so a small object counts as much as the background around it. DSRG takes the log of
    (softmax + 1e-4) renormalised; log_softmax here (equal to within 1e-4 per pixel).
    """
    logits = logits.float()
    if kind == "ce":
        return F.cross_entropy(logits, mask, ignore_index=IGNORE_LABEL)
    nll = F.cross_entropy(logits, mask, ignore_index=IGNORE_LABEL, reduction="none")  # 0 where ignored
    background, foreground = (mask == 0), (mask != 0) & (mask != IGNORE_LABEL)
    per_image = sum((nll * part).sum(dim=(1, 2)) / part.sum(dim=(1, 2)).clamp_min(1e-4)
                    for part in (background.float(), foreground.float()))
    return per_image.mean()


def seg_seed(args):
    return args.seed if args.seg_seed is None else args.seg_seed


def train_row(args, row, rows, ids, record, device, num_classes, on_epoch_end=None, path=None, log_path=None):
    """Train a row's network; on_epoch_end(net, epoch) -> extra numbers of the epoch's log line, and
    path / log_path elsewhere than the row's (scripts/seg_val_curve.py)."""
    seed_everything(seg_seed(args))
    mask_of, _ = masks_of(args, row, rows)
    dataset = SegTrainDataset(ids, layout.image_dir(args.voc12_root), mask_of, args.seg_crop_size,
                              args.seg_train_scales)  # cv2 bilinear, as deeplab-pytorch
    # --seg_accumulate K: the loader gives micro-batches of batch / K, K of them make one step
    loader = make_loader(dataset, args.seg_batch_size // args.seg_accumulate, True, seg_seed(args), args.num_workers,
                         drop_last=True)
    net = new_seg_net(args, num_classes).to(device)
    optimizer = build_optimizer(net, args)

    def loss_of(model, batch):
        return segmentation_loss(upsampled_logits(model, batch["img"].to(device)), batch["mask"].to(device),
                                 args.seg_loss), {}

    fit(net, optimizer, loader, loss_of, path=path or layout.seg_checkpoint(args, row), epochs=args.seg_num_epoches,
        seed=seg_seed(args), made_from=record, config=vars(args), model_args=model_args_of(args, num_classes),
        log_path=log_path or layout.seg_train_log(args, row), device=device, amp=args.amp, desc=f"train seg {row}",
        overwrite=args.overwrite, accumulate=args.seg_accumulate, uneven=True,  # batch 10 on 4 or 8 GPUs
        on_epoch_end=(lambda epoch, _: on_epoch_end(net, epoch)) if on_epoch_end else None)


def run(args):
    device = resolve_device(args.device)
    rows, ids = selected_rows(args), seg_ids(args)
    num_classes = 1 + len(io_utils.read_lines(args.class_names_file, "class names"))
    trained = 0
    if args.seg_full_supervision and FULL_SUPERVISION not in seg_rows(args):
        log.warning("no ground-truth masks in %s (the folder has no masks/): the upper bound trained on ground "
                    "truth (%s) skipped", args.folder_root, FULL_SUPERVISION)
    for row in seg_rows(args):
        record = made_from(args, row, rows, ids)
        if rerun.skip_file(layout.seg_checkpoint(args, row), record, args.overwrite, f"segmentation network {row}"):
            continue
        log.info("segmentation network %s: %s on %d images (%s)", row, args.seg_net, len(ids),
                 "ground truth" if row == FULL_SUPERVISION else "pseudo-masks")
        train_row(args, row, rows, ids, record, device, num_classes)
        trained += 1
    return None if trained else rerun.SKIPPED
