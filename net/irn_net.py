"""IRN's class-boundary branch on a frozen backbone (Ahn et al., CVPR 2019).

Every backbone stage goes through a 1x1 conv (32 channels), GroupNorm and ReLU, is resized to
the stride-4 grid of the CAMs, and a final 1x1 conv over their concatenation gives the boundary
logits. The displacement branch of IRN serves instance masks only, which this project does not
build. The backbone is frozen (eval mode, no gradients), as IRN trains it. Here too: IRN's
affinity loss (`affinity_loss`) and the trained network's loader (`load_boundary_net`).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from misc.path_index import pair_max_edge


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


def affinity_loss(edge_logits, bg_pos, fg_pos, neg, radius):
    """IRN's loss from boundary logits (B, H, W) and pair masks (B, D, H, W). Returns (loss, parts).

    For every pixel pair within `radius` the affinity is a = 1 - max boundary on the path between
    them; background pairs and same-class foreground pairs are pulled to a = 1, pairs of
    different labels to a = 0:
        L = (mean_bgpos[-log a] / 2 + mean_fgpos[-log a] / 2) / 2 + mean_neg[-log(1 - a)] / 2.
    """
    max_edge, valid = pair_max_edge(torch.sigmoid(edge_logits), radius)
    aff = 1.0 - max_edge
    pos_loss, neg_loss = -torch.log(aff + 1e-5), -torch.log(1.0 + 1e-5 - aff)

    def masked_mean(loss, mask):
        mask = (mask & valid).float()
        return (loss * mask).sum() / (mask.sum() + 1e-5)

    bg, fg, ng = masked_mean(pos_loss, bg_pos), masked_mean(pos_loss, fg_pos), masked_mean(neg_loss, neg)
    return (bg / 2 + fg / 2) / 2 + ng / 2, {"bg_pos": bg.item(), "fg_pos": fg.item(), "neg": ng.item()}


def load_boundary_net(path, device):
    """A trained boundary network from step 8's checkpoint, in eval mode on `device`."""
    from misc.engine import load_checkpoint, load_weights
    from net import build_backbone

    checkpoint = load_checkpoint(path, "IRN checkpoint")
    args = checkpoint["model_args"]
    net = BoundaryNet(build_backbone(args["backbone"], args["small_widths"]))
    load_weights(net, checkpoint["model"], path)
    return net.to(device).eval()
