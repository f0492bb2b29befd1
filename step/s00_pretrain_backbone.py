"""Step 0b: pretrain the small backbone on a synthetic recognition task (ImageNet stand-in).

The paper starts from ImageNet weights: a backbone that already knows objects and scenes. On the
embedded data set nothing can be downloaded, so the small backbone first learns to name the
object family (or "none") and, independently, the background (neutral / sky / water / rail) of
images drawn with a different seed than the data set. Object and background are independent
here, so the spurious link is learnt only later, from D_in, as on VOC.
Skipped for ResNet-50 (use `--backbone_weights` with torchvision's ImageNet file). The
checkpoint (misc/chain/engine.py's layout, the backbone under `backbone.`) is shared by every run with
the same settings: sess/pretrained/small_<settings>.pth.
"""
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from misc import imutils
from misc.chain import layout, rerun
from misc.chain.amp import bf16_when_asked
from misc.chain.engine import fit, with_base_lr
from misc.chain.progress import progress
from misc.torchutils import make_loader, resolve_device, seed_everything
from net import build_backbone
from voc12.generated import synthetic

log = logging.getLogger(__name__)
PRETRAIN_SEED_OFFSET = 1000  # keeps pretraining images disjoint from the data set's


class PretrainNet(nn.Module):
    def __init__(self, backbone, num_objects, num_contexts):
        super().__init__()
        self.backbone = backbone
        self.object_head = nn.Linear(backbone.out_channels, num_objects)
        self.context_head = nn.Linear(backbone.out_channels, num_contexts)

    @bf16_when_asked
    def forward(self, x):
        z = self.backbone(x).mean(dim=(2, 3))
        return self.object_head(z), self.context_head(z)


class PretrainImages(torch.utils.data.Dataset):
    def __init__(self, images, objects, contexts):
        self.images, self.objects, self.contexts = images, objects, contexts

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        img = self.images[index]
        if np.random.random() < 0.5:
            img = img[:, ::-1]
        img = imutils.random_crop(imutils.normalize(img), img.shape[0], np.random)
        return torch.from_numpy(imutils.hwc_to_chw(img)), int(self.objects[index]), int(self.contexts[index])


def make_images(cfg, count):
    samples = [synthetic.make_pretrain_sample(cfg, i) for i in progress(range(count), desc="pretrain images", leave=False)]
    return [s[0] for s in samples], np.array([s[1] for s in samples]), np.array([s[2] for s in samples])


PRETRAIN_FLAGS = ("small_widths", "pretrain_num_images", "pretrain_epochs", "pretrain_batch_size",
                  "pretrain_learning_rate", "syn_seed", "syn_image_size", "num_workers", "amp")


def run(args):
    if args.backbone != "small":
        log.info("backbone %s: no pretraining stand-in (ImageNet weights come from a file)", args.backbone)
        return rerun.SKIPPED
    if "backbone_weights" in args.given_paths:
        log.info("--backbone_weights %s given: it is an input, no pretraining", args.backbone_weights)
        return rerun.SKIPPED
    made_from = {k: getattr(args, k) for k in PRETRAIN_FLAGS}
    if rerun.skip_file(args.backbone_weights, made_from, args.overwrite, "pretrained backbone"):
        return rerun.SKIPPED
    seed_everything(args.syn_seed)  # not --seed: runs that differ only in --seed share one stand-in
    device = resolve_device(args.device)
    cfg = synthetic.config_from_args(args)
    cfg.seed += PRETRAIN_SEED_OFFSET
    images, objects, contexts = make_images(cfg, args.pretrain_num_images)
    net = PretrainNet(build_backbone("small", args.small_widths), len(synthetic.SYNTHETIC_CLASSES) + 1,
                      len(synthetic.PRETRAIN_CONTEXTS)).to(device)
    loader = make_loader(PretrainImages(images, objects, contexts), args.pretrain_batch_size, True, args.syn_seed,
                         args.num_workers, drop_last=True)
    # AdamW: from scratch it reaches ~97% object accuracy in 5 epochs where SGD reached ~67% in 3.
    optimizer = torch.optim.AdamW(with_base_lr([{"params": net.parameters(), "lr": args.pretrain_learning_rate}]),
                                  weight_decay=1e-4)

    def loss_of(model, batch):
        img, obj, ctx = (t.to(device) for t in batch)
        obj_logits, ctx_logits = model(img)
        correct = (obj_logits.argmax(1) == obj).float().mean() + (ctx_logits.argmax(1) == ctx).float().mean()
        loss = F.cross_entropy(obj_logits.float(), obj) + F.cross_entropy(ctx_logits.float(), ctx)
        return loss, {"train_accuracy": correct.item() / 2}  # object and background

    fit(net, optimizer, loader, loss_of, path=args.backbone_weights, epochs=args.pretrain_epochs, seed=args.syn_seed,
        made_from=made_from, model_args={"backbone": "small", "small_widths": list(args.small_widths)},
        config=vars(args), log_path=layout.pretrain_log(args), device=device, amp=args.amp, desc="pretrain",
        overwrite=args.overwrite)
