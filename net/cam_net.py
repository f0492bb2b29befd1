"""The CAM network: backbone, global average pooling, 1x1 classifier without bias (IRN)."""
import torch.nn as nn
import torch.nn.functional as F

from misc.chain.amp import bf16_when_asked


class CAMNet(nn.Module):
    """Multi-label classifier whose 1x1 classifier doubles as the CAM projection.

    As IRN trains it: the stem (conv1, bn1) is frozen and every batch-norm layer keeps its
    running statistics (eval mode) even in `train()`. `freeze_stages(2)` also freezes the first
    two residual stages (IRN's resnet50_cam.py detaches after them; the release optimises only
    stages 3-4 and the classifier).
    """

    def __init__(self, backbone, num_classes, freeze_stem=True, freeze_bn_stats=True):
        super().__init__()
        self.backbone = backbone
        self.classifier = nn.Conv2d(backbone.out_channels, num_classes, 1, bias=False)
        self.freeze_bn_stats = freeze_bn_stats
        if freeze_stem:
            for module in backbone.stem():
                for p in module.parameters():
                    p.requires_grad = False

    def freeze_stages(self, num_stages):
        """No gradient for the first `num_stages` residual stages (the stem is frozen already)."""
        for stage in self.backbone.stage_modules()[:num_stages]:
            for p in stage.parameters():
                p.requires_grad = False
        return self

    def train(self, mode=True):
        super().train(mode)
        if self.freeze_bn_stats:
            for module in self.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        return self

    @bf16_when_asked
    def forward(self, x):
        """x: (B, 3, H, W) -> logits (B, C), z (B, D): z is the pooled penultimate feature."""
        z = self.backbone(x).mean(dim=(2, 3))
        logits = self.classifier(z[:, :, None, None]).flatten(1)
        return logits, z

    @bf16_when_asked
    def class_maps(self, x):
        """x: (B, 3, H, W) -> ReLU'd class activation maps (B, C, H/os, W/os)."""
        return F.relu(F.conv2d(self.backbone(x), self.classifier.weight))

    def param_groups(self):
        """(backbone parameters that train, classifier parameters): the classifier gets 10x lr."""
        backbone = [p for p in self.backbone.parameters() if p.requires_grad]
        return backbone, list(self.classifier.parameters())
