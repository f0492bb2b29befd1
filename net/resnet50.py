"""ResNet-50 with IRN's strides (2, 2, 2, 1): output stride 16, built on torchvision's ResNet.

ImageNet weights come from a local torchvision state dict (`--backbone_weights PATH`), from
torchvision's cache, or through torchvision's weight API (`--backbone_weights torchvision`, which
downloads into the cache when online: net/torchvision_weights.py).
"""
import os

import torch.nn as nn

from misc.chain.checkpoints import load_torch_file
from misc.chain.errors import BadInput, MissingInput
from net.torchvision_weights import TORCHVISION
from net.torchvision_weights import cache_dir as torchvision_cache_dir
from net.torchvision_weights import torchvision_weights_file

TORCHVISION_FILES = ("resnet50-0676ba61.pth", "resnet50-11ad3fa6.pth")


def find_imagenet_weights(weights_path):
    """The explicit path if given (`torchvision`: torchvision's IMAGENET1K_V1 file, from the hub cache
    or downloaded into it), else a torchvision cache file; None if neither exists."""
    if weights_path == TORCHVISION:
        return torchvision_weights_file("resnet50", "--backbone_weights")
    if weights_path:
        if not os.path.isfile(weights_path):
            raise MissingInput(f"--backbone_weights file not found: {weights_path}")
        return weights_path
    for name in TORCHVISION_FILES:
        path = os.path.join(torchvision_cache_dir(), name)
        if os.path.isfile(path):
            return path
    return None


class ResNet50IRN(nn.Module):
    """x: (B, 3, H, W) -> features (B, 2048, H/16, W/16)."""

    def __init__(self):
        super().__init__()
        import torchvision  # here, not at the top: ~2 s of imports the small backbone never needs

        net = torchvision.models.resnet50(weights=None)
        # IRN: layer4 keeps the resolution of layer3 (stride 1, no dilation).
        net.layer4[0].conv2.stride = (1, 1)
        net.layer4[0].downsample[0].stride = (1, 1)
        self.conv1, self.bn1, self.relu, self.maxpool = net.conv1, net.bn1, net.relu, net.maxpool
        self.layer1, self.layer2, self.layer3, self.layer4 = net.layer1, net.layer2, net.layer3, net.layer4
        self.out_channels = 2048
        self.output_stride = 16

    def stem(self):
        return [self.conv1, self.bn1]

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def stage_modules(self):
        """The residual stages in order (the CAM step can freeze the first ones)."""
        return [self.layer1, self.layer2, self.layer3, self.layer4]

    def multi_level(self, x):
        """Stem (after the max-pool) and layer1..layer4 outputs, strides 4, 4, 8, 16, 16: the five
        inputs of IRN's boundary branch (resnet50_irn.py: x1..x5)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        levels = [x]
        for layer in self.stage_modules():
            x = layer(x)
            levels.append(x)
        return levels

    def level_channels(self):
        return [64, 256, 512, 1024, 2048]

    def level_strides(self):
        return [4, 4, 8, 16, 16]

    def load_imagenet(self, path):
        """Load a torchvision ResNet-50 state dict; only the fc head may be missing from us."""
        state = load_torch_file(path, "ImageNet weights file")
        state = {k: v for k, v in state.items() if not k.startswith("fc.")}
        try:
            missing, unexpected = self.load_state_dict(state, strict=False)
        except RuntimeError as err:  # shape mismatches
            raise BadInput(f"{path} is not a torchvision ResNet-50 state dict: {err}") from err
        if missing or unexpected:
            raise BadInput(f"{path} is not a torchvision ResNet-50 state dict: "
                           f"missing {missing[:5]}, unexpected {unexpected[:5]}")
