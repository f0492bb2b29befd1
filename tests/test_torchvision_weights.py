"""`--backbone_weights torchvision` / `--seg_backbone_weights torchvision`: torchvision's
IMAGENET1K_V1 files from torch's hub cache (a temporary TORCH_HOME, pre-filled as a download would
leave it), and a clear error offline with an empty cache (the download refused here)."""
import argparse
import os
import urllib.error

import pytest
import torch
import torchvision

from misc.chain.errors import MissingInput
from net.factory import new_cam_net
from net.torchvision_weights import torchvision_weights_file
from step.s11_train_seg import pretrained_file


@pytest.fixture
def hub(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    def offline(url, dst, hash_prefix=None, progress=True):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    return tmp_path / "torch" / "hub" / "checkpoints"


def test_the_v1_file_names_of_torchvisions_weight_enums():
    assert os.path.basename(torchvision.models.ResNet50_Weights.IMAGENET1K_V1.url) == "resnet50-0676ba61.pth"
    assert os.path.basename(torchvision.models.ResNet101_Weights.IMAGENET1K_V1.url) == "resnet101-63fe2227.pth"


def test_offline_with_an_empty_cache_names_the_file_and_the_folder(hub):
    with pytest.raises(MissingInput) as err:
        torchvision_weights_file("resnet50", "--backbone_weights")
    message = str(err.value)
    assert "resnet50-0676ba61.pth is not in torch's cache" in message and str(hub) in message
    assert "URLError" in message and "--backbone_weights PATH" in message
    assert os.listdir(hub) == []  # nothing in the cache


def test_a_cached_file_is_used_by_the_cam_net_and_the_seg_net(hub):
    os.makedirs(hub)
    resnet50 = torchvision.models.resnet50(weights=None)
    torch.save(resnet50.state_dict(), hub / "resnet50-0676ba61.pth")
    torch.save(torchvision.models.resnet101(weights=None).state_dict(), hub / "resnet101-63fe2227.pth")
    args = argparse.Namespace(backbone="resnet50", backbone_weights="torchvision", small_widths=(8, 8, 8, 8),
                              backbone_pretrained=True)
    net, _ = new_cam_net(args, 20)
    assert torch.equal(net.backbone.layer3[2].conv2.weight, resnet50.layer3[2].conv2.weight)
    seg = argparse.Namespace(seg_backbone="resnet101", seg_backbone_weights="torchvision")
    assert pretrained_file(seg) == str(hub / "resnet101-63fe2227.pth")
