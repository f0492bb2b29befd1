"""Backbone factory shared by every step that builds a network."""
from net.resnet50 import ResNet50IRN, find_imagenet_weights, torchvision_cache_dir
from net.small_resnet import SmallResNet


def build_backbone(name, small_widths=(32, 64, 128, 256)):
    if name == "resnet50":
        return ResNet50IRN()
    if name == "small":
        return SmallResNet(widths=tuple(small_widths))
    raise ValueError(f"unknown backbone '{name}' (use resnet50 or small)")
