"""The segmentation network of Table 3, trained on the pseudo-masks (paper Sec. 4.1, [5, 47]).

`--seg_net deeplabv2` (the paper): DeepLab-v2 (Chen et al., TPAMI 2017) as deeplab-pytorch [47]
builds it: a ResNet with output stride 8 (layer3 and layer4 dilated 2 and 4 instead of strided)
and ASPP, four 3x3 convolutions at rates 6, 12, 18, 24 straight to the class scores, summed.
`--seg_net deeplabv3`: torchvision's DeepLab-v3 head (ASPP with image pooling, batch norm) on the
same backbone, for people who want the modern head (its own batch norm trains). Backbones (`--seg_backbone`): `resnet101`
(torchvision's, ImageNet weights from a local file, `--seg_backbone_weights`) or `small` (the CPU
stand-in, output stride 8, from the pretrained stand-in of step 0b). The backbone's batch norm
stays as pretrained while training, statistics and affine parameters (deeplab-pytorch's
freeze_bn and conv-only parameter groups). forward(x) gives logits at stride 8.

Not deeplab-pytorch's ResNet exactly (docs/paper_setting.md, Table 3): torchvision's layout (stride on the 3x3
conv, layer3's first block undilated and layer4's at 2, stem pool without ceil_mode, RGB input
with ImageNet mean/std) where deeplab-pytorch ports the caffe ResNet-101 (stride on the 1x1,
every block dilated 2 / 4, ceil_mode pool, BGR minus the mean).
"""
import torch
import torch.nn as nn

from misc.chain.amp import bf16_when_asked
from misc.chain.checkpoints import load_checkpoint, load_torch_file, load_weights
from misc.chain.errors import BadInput
from net.small_resnet import SmallResNet

SEG_NETS = ("deeplabv2", "deeplabv3")
SEG_BACKBONES = ("resnet101", "small")


class ASPP(nn.Module):
    """DeepLab-v2's head: sum over rates r of a 3x3 conv with dilation r (in_ch -> num_classes)."""

    def __init__(self, in_channels, num_classes, rates=(6, 12, 18, 24)):
        super().__init__()
        self.branches = nn.ModuleList([nn.Conv2d(in_channels, num_classes, 3, padding=r, dilation=r, bias=True)
                                       for r in rates])
        for conv in self.branches:  # deeplab-pytorch's initialisation
            nn.init.normal_(conv.weight, mean=0, std=0.01)
            nn.init.constant_(conv.bias, 0)

    def forward(self, x):
        return sum(branch(x) for branch in self.branches)


class ResNet101OS8(nn.Module):
    """torchvision's ResNet-101 with layer3, layer4 dilated (output stride 8), no pooling head."""

    def __init__(self):
        super().__init__()
        import torchvision  # here, not at the top: ~2 s of imports the small backbone never needs

        net = torchvision.models.resnet101(weights=None, replace_stride_with_dilation=[False, True, True])
        self.stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        self.layer1, self.layer2, self.layer3, self.layer4 = net.layer1, net.layer2, net.layer3, net.layer4
        self.out_channels, self.output_stride = 2048, 8

    def forward(self, x):
        return self.layer4(self.layer3(self.layer2(self.layer1(self.stem(x)))))

    def load_imagenet(self, path):
        """A torchvision ResNet-101 state dict (fc dropped); a clear error for anything else."""
        state = load_torch_file(path, "ResNet-101 ImageNet weights file")
        renamed = {}
        for key, value in state.items():
            if key.startswith("fc."):
                continue
            head = key.split(".")[0]
            renamed[{"conv1": "stem.0", "bn1": "stem.1"}.get(head, head) + key[len(head):]] = value
        missing, unexpected = self.load_state_dict(renamed, strict=False)
        if missing or unexpected:
            raise BadInput(f"{path} is not a torchvision ResNet-101 state dict: missing {missing[:5]}, "
                           f"unexpected {unexpected[:5]}")


class SegNet(nn.Module):
    """Backbone + head -> logits (B, num_classes, H/8, W/8); BN layers keep their statistics."""

    def __init__(self, backbone, head):
        super().__init__()
        self.backbone, self.head = backbone, head

    def train(self, mode=True):
        super().train(mode)
        for module in self.backbone.modules():  # the pretrained part (deeplab-pytorch: base.freeze_bn())
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()
        return self

    @bf16_when_asked
    def forward(self, x):
        return self.head(self.backbone(x))

    def param_groups(self):
        """(backbone conv weights, head weights, head biases): deeplab-pytorch trains them at lr,
        10 lr, 20 lr (main.py get_params); the backbone's batch-norm scales and shifts stay as
        pretrained (its 1x group holds conv layers only)."""
        backbone = [p for m in self.backbone.modules() if isinstance(m, nn.Conv2d) for p in m.parameters()]
        weights = [p for n, p in self.head.named_parameters() if not n.endswith("bias")]
        biases = [p for n, p in self.head.named_parameters() if n.endswith("bias")]
        return backbone, weights, biases


def build_seg_net(model_args):
    """A segmentation network from its model_args {net, backbone, num_classes, aspp_rates, small_widths}."""
    net_name, backbone_name = model_args["net"], model_args["backbone"]
    if net_name not in SEG_NETS or backbone_name not in SEG_BACKBONES:
        raise ValueError(f"unknown segmentation network {net_name}/{backbone_name} "
                         f"(use {'|'.join(SEG_NETS)} on {'|'.join(SEG_BACKBONES)})")
    if backbone_name == "resnet101":
        backbone = ResNet101OS8()
    else:
        backbone = SmallResNet(widths=tuple(model_args["small_widths"]))  # strides (1, 2, 2, 1): stride 8
    classes = model_args["num_classes"]
    if net_name == "deeplabv2":
        head = ASPP(backbone.out_channels, classes, tuple(model_args["aspp_rates"]))
    else:
        from torchvision.models.segmentation.deeplabv3 import DeepLabHead

        head = DeepLabHead(backbone.out_channels, classes, tuple(model_args["aspp_rates"][:3]))
    return SegNet(backbone, head)


def upsampled_logits(net, x):
    """Logits resized to the input (bilinear, align_corners False)."""
    logits = net(x)
    return torch.nn.functional.interpolate(logits, x.shape[2:], mode="bilinear", align_corners=False)


def load_seg_net(path, device):
    """A trained segmentation network from step 11's checkpoint, in eval mode on `device`."""
    checkpoint = load_checkpoint(path, "segmentation network checkpoint")
    net = build_seg_net(checkpoint["model_args"])
    load_weights(net, checkpoint["model"], path)
    return net.to(device).eval()
