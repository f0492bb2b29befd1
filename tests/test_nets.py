import os

import pytest
import torch

from net import build_backbone
from net.cam_net import CAMNet
from net.resnet50 import ResNet50IRN


def test_cam_net_outputs_logits_features_and_maps():
    net = CAMNet(build_backbone("small", (8, 16, 32, 64)), num_classes=5)
    x = torch.randn(2, 3, 64, 48)
    logits, z = net(x)
    assert logits.shape == (2, 5) and z.shape == (2, 64)
    maps = net.class_maps(x)
    assert maps.shape == (2, 5, 8, 6) and maps.min() >= 0
    # GAP of the maps before ReLU equals the logits: the classifier is the CAM projection.
    feats = net.backbone(x)
    torch.testing.assert_close(torch.einsum("bdhw,cd->bc", feats, net.classifier.weight[:, :, 0, 0]) / 48, logits,
                               rtol=1e-4, atol=1e-5)


def test_stem_frozen_and_batchnorm_statistics_kept_in_train_mode():
    net = CAMNet(build_backbone("small", (8, 16, 32, 64)), num_classes=3).train()
    assert not any(p.requires_grad for p in net.backbone.conv1.parameters())
    assert all(not m.training for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d))
    before = net.backbone.stages[0].bn1.running_mean.clone()
    net(torch.randn(2, 3, 32, 32))
    torch.testing.assert_close(net.backbone.stages[0].bn1.running_mean, before)


def test_resnet50_has_irn_output_stride_16():
    backbone = ResNet50IRN().eval()
    with torch.no_grad():
        assert backbone(torch.randn(1, 3, 64, 96)).shape == (1, 2048, 4, 6)


def test_missing_imagenet_weights_error_names_both_places(in_tmp_dir, monkeypatch):
    from net.factory import new_cam_net
    from run_sample import parse_args

    monkeypatch.setenv("TORCH_HOME", str(in_tmp_dir / "torch_home"))
    args = parse_args(["--preset", "voc"])
    with pytest.raises(FileNotFoundError) as err:
        new_cam_net(args, 20)
    assert "--backbone_weights" in str(err.value) and os.path.join("torch_home", "hub", "checkpoints") in str(err.value)
    args = parse_args(["--preset", "voc", "--backbone_weights", "missing.pth"])
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        new_cam_net(args, 20)


def test_resnet50_loads_a_torchvision_state_dict(tmp_path):
    import torchvision

    path = tmp_path / "r50.pth"
    torch.save(torchvision.models.resnet50(weights=None).state_dict(), path)
    backbone = ResNet50IRN()
    backbone.load_imagenet(str(path))
    torch.save({"conv1.weight": torch.zeros(1)}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="bad.pth"):
        backbone.load_imagenet(str(tmp_path / "bad.pth"))
