"""A small ResNet for the CPU presets: the same interface as the ResNet-50 backbone.

Output stride 8 (stem /2, stage2 /2, stage3 /2, stage4 /1), so a 96 px image gives 12x12 CAMs.
"""
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, in_ch, out_ch, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.shortcut = nn.Identity()
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride, bias=False), nn.BatchNorm2d(out_ch))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class SmallResNet(nn.Module):
    """x: (B, 3, H, W) -> features (B, widths[-1], H/8, W/8)."""

    def __init__(self, widths=(32, 64, 128, 256), strides=(1, 2, 2, 1)):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        blocks, in_ch = [], widths[0]
        for width, stride in zip(widths, strides):
            blocks.append(BasicBlock(in_ch, width, stride))
            in_ch = width
        self.stages = nn.Sequential(*blocks)
        self.out_channels = widths[-1]
        self.output_stride = 2 * strides[0] * strides[1] * strides[2] * strides[3]

    def stem(self):
        """Modules frozen during CAM training (IRN freezes conv1 and bn1)."""
        return [self.conv1, self.bn1]

    def forward(self, x):
        return self.stages(self.relu(self.bn1(self.conv1(x))))

    def multi_level(self, x):
        """The stem's and every stage's output, fine to coarse (for IRN's boundary branch)."""
        x = self.relu(self.bn1(self.conv1(x)))
        levels = [x]
        for stage in self.stages:
            x = stage(x)
            levels.append(x)
        return levels

    def level_channels(self):
        return [self.conv1.out_channels] + [block.conv2.out_channels for block in self.stages]

    def stage_modules(self):
        """The residual stages in order (the CAM step can freeze the first ones)."""
        return list(self.stages)

    def level_strides(self):
        strides, stride = [2], 2
        for block in self.stages:
            stride *= block.conv1.stride[0]
            strides.append(stride)
        return strides
