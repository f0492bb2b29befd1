"""Build CAM networks from flags (fresh, with pretrained backbone) or from a saved checkpoint."""
import logging
import os

import torch

from net import build_backbone, find_imagenet_weights, torchvision_cache_dir
from net.cam_net import CAMNet
from misc.torchutils import load_checkpoint

log = logging.getLogger(__name__)


def load_pretrained_backbone(backbone, args):
    """ImageNet weights for resnet50, the synthetic stand-in for small; clear errors otherwise."""
    if args.backbone == "resnet50":
        path = find_imagenet_weights(args.backbone_weights)
        if path is None:
            raise FileNotFoundError(
                "no ImageNet ResNet-50 weights: pass --backbone_weights PATH (a torchvision state dict) or put "
                f"resnet50-0676ba61.pth in torchvision's cache {torchvision_cache_dir()}; "
                "or --backbone_pretrained false to train from scratch")
        backbone.load_imagenet(path)
    else:
        path = args.backbone_weights
        if not os.path.isfile(path):
            raise FileNotFoundError(f"pretrained small backbone not found: {path} (run step 0b, "
                                    f"--pretrain_backbone_pass true, or --backbone_pretrained false)")
        backbone.load_state_dict(torch.load(path, map_location="cpu", weights_only=True), strict=True)
    log.info("backbone %s initialised from %s", args.backbone, path)


def model_args_from(args, num_classes):
    return {"backbone": args.backbone, "small_widths": list(args.small_widths), "num_classes": num_classes}


def build_cam_net(model_args):
    backbone = build_backbone(model_args["backbone"], model_args["small_widths"])
    return CAMNet(backbone, model_args["num_classes"])


def new_cam_net(args, num_classes):
    """A CAM net for training: pretrained backbone (unless --backbone_pretrained false), new classifier."""
    model_args = model_args_from(args, num_classes)
    net = build_cam_net(model_args)
    if args.backbone_pretrained:
        load_pretrained_backbone(net.backbone, args)
    return net, model_args


def load_cam_net(path, device):
    """Rebuild a trained CAM net from its checkpoint (the dict holds its model_args)."""
    checkpoint = load_checkpoint(path, device)
    net = build_cam_net(checkpoint["model_args"])
    net.load_state_dict(checkpoint["model"], strict=True)
    return net.to(device).eval(), checkpoint
