"""Build CAM networks from flags (fresh, with pretrained backbone) or from a saved checkpoint."""
import logging
import os

from misc.chain.checkpoints import LAYOUT, load_checkpoint, load_torch_file, load_weights
from misc.chain.errors import MissingInput
from net import build_backbone, find_imagenet_weights, irn_layout, torchvision_cache_dir
from net.cam_net import CAMNet

log = logging.getLogger(__name__)


def load_pretrained_backbone(backbone, args):
    """ImageNet weights for resnet50, the synthetic stand-in for small; clear errors otherwise."""
    if args.backbone == "resnet50":
        path = find_imagenet_weights(args.backbone_weights)
        if path is None:
            raise MissingInput(
                "no ImageNet ResNet-50 weights: pass --backbone_weights PATH (a torchvision state dict) or "
                "--backbone_weights torchvision (downloads when online), or put "
                f"resnet50-0676ba61.pth in torchvision's cache {torchvision_cache_dir()}; "
                "or --backbone_pretrained false to train from scratch")
        backbone.load_imagenet(path)
    else:
        path = args.backbone_weights
        if not os.path.isfile(path):
            raise MissingInput(f"pretrained small backbone not found: {path} (run step 0b, "
                               f"--pretrain_backbone_pass true, or --backbone_pretrained false)")
        load_weights(backbone, small_backbone_state(path), path)
    log.info("backbone %s initialised from %s", args.backbone, path)


def pretrained_inputs(args):
    """{"pretrained": the weights file a new backbone starts from}, for made-from records ({} when
    none: --backbone_pretrained false, or no ImageNet file found, which training reports)."""
    if not args.backbone_pretrained:
        return {}
    path = args.backbone_weights if args.backbone == "small" else find_imagenet_weights(args.backbone_weights)
    return {"pretrained": path} if path else {}


def small_backbone_state(path):
    """The small backbone's weights: step 0b's checkpoint (its `backbone.` part) or a bare state dict."""
    state = load_torch_file(path, "pretrained small backbone")
    if isinstance(state, dict) and state.get("layout") == LAYOUT:
        prefix = "backbone."
        return {k[len(prefix):]: v for k, v in state["model"].items() if k.startswith(prefix)}
    return state


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
    """Rebuild a trained CAM net from its checkpoint: this project's (the dict holds its model_args)
    or a plain state dict of IRN's / the release's resnet50_cam (net/irn_layout.py), e.g. the
    authors' F_in. A foreign file is recorded by its bytes like any input."""
    state = load_torch_file(path, "CAM classifier checkpoint")
    if irn_layout.looks_like_irn(state):
        checkpoint = {"model_args": irn_layout.model_args_of(state, path),
                      "model": irn_layout.to_cam_net_state(state, path), "source": "irn_resnet50_cam"}
        log.info("%s: a state dict in IRN's resnet50_cam layout (%d keys -> %d tensors, %d classes)", path,
                 len(state), len(checkpoint["model"]), checkpoint["model_args"]["num_classes"])
    else:
        checkpoint = load_checkpoint(path, "CAM classifier checkpoint", loaded=state)
    net = build_cam_net(checkpoint["model_args"])
    load_weights(net, checkpoint["model"], path)
    return net.to(device).eval(), checkpoint
