"""CAM classifiers saved by IRN or by the W-OoD release: plain state dicts of their
`net/resnet50_cam.py`, mapped strictly onto this project's CAMNet (net/cam_net.py).

Both save `torch.save(model.state_dict())` (IRN's step/train_cam.py unwraps DataParallel first;
IRN's own file is named res50_cam.pth.pth, the release's F_in sess/res50_cam_orig.pth.pth and its
W-OoD classifier sess/res50_cam_ood.pth.pth). Their Net registers the same modules under several
names, so one tensor appears under several keys (read off jiwoon-ahn/irn a2ece00 and naver-ai/w-ood
0cb2f77, net/resnet50_cam.py):

    resnet50.{conv1,bn1,layer1..4}.*   the ResNet-50 itself (net/resnet50.py, torchvision's names)
    stage1.{0,1,4}.*                   resnet50.conv1, bn1, layer1 (stage1 = conv1, bn1, relu, maxpool, layer1)
    stage{2,3,4}.0.*                   resnet50.layer2..4
    classifier.weight                  the 1x1 classifier (C, 2048, 1, 1), no bias
    backbone.{i}.*                     IRN: stage{i+1} (i = 0..3); the release: stage{i+3} (i = 0, 1)
    newly_added.0.*                    classifier

IRN's file has 956 keys (319 tensors), the release's 812. Every key must name a tensor of the
network, every alias of a tensor must hold the same values, and every tensor of ours must be
given: the first failure is a clear error naming the file and the keys.

IRN's ResNet-50 is this project's (net/resnet50.py): the stride on the 3x3 conv, layer4 at stride
1, max-pool 3/2/1 without ceil mode, batch norm on running statistics (IRN's FixedBatchNorm, our
frozen statistics), so the weights carry over unchanged (tests/test_irn_checkpoint.py compares
the CAMs with numbers from IRN's own network).
"""
import re

import torch

from misc.chain.errors import BadInput

_STAGE1 = {"0": "conv1", "1": "bn1", "4": "layer1"}


def looks_like_irn(state):
    """True for a plain state dict in IRN's or the release's resnet50_cam layout."""
    return isinstance(state, dict) and "resnet50.conv1.weight" in state and "classifier.weight" in state


def _backbone_offset(state):
    """1 when `backbone.i` is stage{i+1} (IRN: backbone.0 is stage1, whose entry 0 is conv1 itself),
    3 when it is stage{i+3} (the release: backbone.0 is stage3 = Sequential(layer3), so its first
    block's weights are backbone.0.0.0.*)."""
    return 3 if "backbone.0.0.0.conv1.weight" in state else 1


def canonical_name(key, backbone_offset):
    """The `resnet50.*` / `classifier.*` name an alias key stands for, or None if none."""
    match = re.match(r"backbone\.(\d+)\.(.*)", key)
    if match:
        key = f"stage{int(match.group(1)) + backbone_offset}.{match.group(2)}"
    match = re.match(r"stage1\.(\d+)\.(.*)", key)
    if match:
        return f"resnet50.{_STAGE1[match.group(1)]}.{match.group(2)}" if match.group(1) in _STAGE1 else None
    match = re.match(r"stage([234])\.0\.(.*)", key)
    if match:
        return f"resnet50.layer{match.group(1)}.{match.group(2)}"
    if key.startswith("newly_added.0."):
        return "classifier." + key[len("newly_added.0."):]
    if key.startswith("resnet50.") or key == "classifier.weight":
        return key
    return None


def to_cam_net_state(state, path):
    """A state dict of IRN's / the release's layout -> CAMNet's (`backbone.*`, `classifier.weight`).
    Errors name the file and the first key that does not fit."""
    offset = _backbone_offset(state)
    merged, first_name = {}, {}
    for key, tensor in state.items():
        if not isinstance(tensor, torch.Tensor):
            raise BadInput(f"{path}: entry {key!r} is not a tensor; not a state dict of IRN's resnet50_cam")
        name = canonical_name(key, offset)
        if name is None:
            raise BadInput(f"{path}: key {key!r} is not part of IRN's resnet50_cam (resnet50.*, stage1-4.*, "
                           f"classifier.*, backbone.*, newly_added.*)")
        if name in merged and not (merged[name].shape == tensor.shape and torch.equal(merged[name], tensor)):
            raise BadInput(f"{path}: {key!r} and {first_name[name]!r} name the same tensor in IRN's network but "
                           f"hold different values; the file was edited or is of another network")
        merged.setdefault(name, tensor)
        first_name.setdefault(name, key)
    return {("backbone." + name[len("resnet50."):] if name.startswith("resnet50.") else name): tensor
            for name, tensor in merged.items()}


def model_args_of(state, path):
    """CAMNet's model_args for an IRN-layout file: ResNet-50, the classifier's class count."""
    weight = state["classifier.weight"]
    if weight.dim() != 4 or tuple(weight.shape[1:]) != (2048, 1, 1):
        raise BadInput(f"{path}: classifier.weight is {tuple(weight.shape)}, not IRN's (C, 2048, 1, 1)")
    return {"backbone": "resnet50", "small_widths": [32, 64, 128, 256], "num_classes": int(weight.shape[0])}
