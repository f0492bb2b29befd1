"""IRN's class-boundary branch on a frozen backbone (Ahn et al., CVPR 2019).

Each level goes through a 1x1 conv (32 channels) and GroupNorm, onto the stride-4 grid of the
CAMs, and a final 1x1 conv over their concatenation gives the boundary logits. `--irn_edge_branch`:
- `irn`, IRN's (net/resnet50_irn.py, fc_edge1..6): five levels, the stride-4 stem output
  included (64 + 256 + 512 + 1024 + 2048 channels -> 5 x 32 = 160), each upsampled by its
  stride / 4 before the ReLU and cropped to the grid;
- `compact`, this project's earlier branch: the four stage outputs, ReLU, then resized.
A level finer than stride 4 (the small backbone's stride-2 stem and first stage) is resized
down to the grid. The displacement branch of IRN serves instance masks only, which this project
does not build. The backbone is frozen (eval mode, no gradients), as IRN trains it. Here too:
IRN's affinity loss (`affinity_loss`) and the trained network's loader (`load_boundary_net`).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from misc.chain.amp import bf16_when_asked
from misc.chain.checkpoints import load_checkpoint, load_weights
from misc.seeds.path_index import pair_max_edge
from net import build_backbone

EDGE_BRANCHES = ("irn", "compact")


class BoundaryNet(nn.Module):
    def __init__(self, backbone, width=32, branch="irn"):
        super().__init__()
        if branch not in EDGE_BRANCHES:
            raise ValueError(f"unknown IRN edge branch '{branch}' (use {' or '.join(EDGE_BRANCHES)})")
        self.backbone, self.branch = backbone, branch
        for p in backbone.parameters():
            p.requires_grad = False
        channels, self.strides = backbone.level_channels(), backbone.level_strides()
        if branch == "compact":  # the stem is not a level
            channels, self.strides = channels[1:], self.strides[1:]
        self.reduce = nn.ModuleList([nn.Sequential(nn.Conv2d(c, width, 1, bias=False), nn.GroupNorm(4, width))
                                     for c in channels])
        self.head = nn.Conv2d(width * len(self.reduce), 1, 1, bias=True)

    def train(self, mode=True):
        super().train(mode)
        self.backbone.eval()
        return self

    def to_grid(self, reduced, stride, size):
        """One reduced level onto the stride-4 grid `size`, with the branch's order of ReLU and resize."""
        if self.branch == "compact":
            return F.interpolate(F.relu(reduced), size, mode="bilinear", align_corners=False)
        if stride > 4:  # IRN: nn.Upsample(scale_factor=stride/4), ReLU, crop to the grid
            up = F.interpolate(reduced, scale_factor=stride // 4, mode="bilinear", align_corners=False)
            return F.relu(up)[..., :size[0], :size[1]]
        if stride < 4:
            reduced = F.interpolate(reduced, size, mode="bilinear", align_corners=False)
        return F.relu(reduced)

    @bf16_when_asked
    def forward(self, x):
        """x: (B, 3, H, W) -> boundary logits (B, ceil(H/4), ceil(W/4))."""
        size = (math.ceil(x.shape[2] / 4), math.ceil(x.shape[3] / 4))
        with torch.no_grad():
            levels = self.backbone.multi_level(x)
        if self.branch == "compact":
            levels = levels[1:]
        feats = [self.to_grid(r(f), s, size) for r, f, s in zip(self.reduce, levels, self.strides)]
        return self.head(torch.cat(feats, 1))[:, 0]

    def boundary(self, pair, pad_to=0):
        """pair: (2, 3, H, W) image and its flip -> (ceil(H/4), ceil(W/4)) boundary probability,
        averaged over the two as IRN's inference does. pad_to: IRN's EdgeDisplacement pads both
        to pad_to x pad_to (zeros, right and bottom; --irn_infer_pad, IRN 512) and crops the map."""
        h, w = pair.shape[2:]
        if pad_to:
            pair = F.pad(pair, [0, max(0, pad_to - w), 0, max(0, pad_to - h)])
        logits = self.forward(pair)[:, :math.ceil(h / 4), :math.ceil(w / 4)]
        return torch.sigmoid(logits[0] / 2 + logits[1].flip(-1) / 2)


def affinity_loss(edge_logits, bg_pos, fg_pos, neg, radius, path="band"):
    """IRN's loss from boundary logits (B, H, W) and pair masks (B, D, H, W). Returns (loss, parts).

    For every pixel pair within `radius` the affinity is a = 1 - max boundary on the path between
    them; background pairs and same-class foreground pairs are pulled to a = 1, pairs of
    different labels to a = 0:
        L = (mean_bgpos[-log a] / 2 + mean_fgpos[-log a] / 2) / 2 + mean_neg[-log(1 - a)] / 2.
    """
    max_edge, valid = pair_max_edge(torch.sigmoid(edge_logits), radius, path)
    aff = 1.0 - max_edge
    pos_loss, neg_loss = -torch.log(aff + 1e-5), -torch.log(1.0 + 1e-5 - aff)

    def masked_mean(loss, mask):
        mask = (mask & valid).float()
        return (loss * mask).sum() / (mask.sum() + 1e-5)

    bg, fg, ng = masked_mean(pos_loss, bg_pos), masked_mean(pos_loss, fg_pos), masked_mean(neg_loss, neg)
    return (bg / 2 + fg / 2) / 2 + ng / 2, {"bg_pos": bg.item(), "fg_pos": fg.item(), "neg": ng.item()}


def load_boundary_net(path, device):
    """A trained boundary network from step 8's checkpoint, in eval mode on `device`."""
    checkpoint = load_checkpoint(path, "IRN checkpoint")
    args = checkpoint["model_args"]
    net = BoundaryNet(build_backbone(args["backbone"], args["small_widths"]), branch=args.get("edge_branch", "compact"))
    load_weights(net, checkpoint["model"], path)
    return net.to(device).eval()
