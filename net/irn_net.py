"""IRN's class-boundary branch on a frozen backbone (Ahn et al., CVPR 2019).

Every backbone stage goes through a 1x1 conv (32 channels), GroupNorm and ReLU, is resized to
the stride-4 grid of the CAMs, and a final 1x1 conv over their concatenation gives the boundary
logits. The displacement branch of IRN serves instance masks only, which this project does not
build. The backbone is frozen (eval mode, no gradients), as IRN trains it.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class BoundaryNet(nn.Module):
    def __init__(self, backbone, width=32):
        super().__init__()
        self.backbone = backbone
        for p in backbone.parameters():
            p.requires_grad = False
        self.reduce = nn.ModuleList([
            nn.Sequential(nn.Conv2d(c, width, 1, bias=False), nn.GroupNorm(4, width), nn.ReLU(inplace=True))
            for c in backbone.level_channels()])
        self.head = nn.Conv2d(width * len(self.reduce), 1, 1, bias=True)

    def train(self, mode=True):
        super().train(mode)
        self.backbone.eval()
        return self

    def forward(self, x):
        """x: (B, 3, H, W) -> boundary logits (B, ceil(H/4), ceil(W/4))."""
        size = (math.ceil(x.shape[2] / 4), math.ceil(x.shape[3] / 4))
        with torch.no_grad():
            levels = self.backbone.multi_level(x)
        feats = [F.interpolate(r(f), size, mode="bilinear", align_corners=False) for r, f in zip(self.reduce, levels)]
        return self.head(torch.cat(feats, 1))[:, 0]

    def boundary(self, pair):
        """pair: (2, 3, H, W) image and its flip -> (ceil(H/4), ceil(W/4)) boundary probability,
        averaged over the two as IRN's inference does."""
        logits = self.forward(pair)
        return torch.sigmoid(logits[0] / 2 + logits[1].flip(-1) / 2)
