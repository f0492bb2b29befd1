"""CAM classifiers saved by IRN / the W-OoD release (plain state dicts of their resnet50_cam):
mapped strictly onto CAMNet, and the CAMs equal those of IRN's own network on the same weights
(tests/data/irn_resnet50_cam_reference.json: numbers, computed outside this project)."""
import json
import math
import os
import re

import numpy as np
import pytest
import torch

from misc.chain.errors import BadInput
from net.cam_net import CAMNet
from net.factory import load_cam_net
from net.resnet50 import ResNet50IRN
from step.s05_make_cam import multiscale_cam

REFERENCE = os.path.join(os.path.dirname(__file__), "data", "irn_resnet50_cam_reference.json")


def irn_weights(num_classes=20):
    """{resnet50.*, classifier.weight} filled as the reference was: one generator seeded 0, the
    tensors in IRN's registration order; running_var 1 + 0.1 rand, batch-norm weights
    1 + 0.1 randn, num_batches_tracked left at 0, everything else 0.05 randn."""
    net = CAMNet(ResNet50IRN(), num_classes)
    g = torch.Generator().manual_seed(0)
    bn_weights = {f"{name}.weight" for name, m in net.named_modules() if isinstance(m, torch.nn.BatchNorm2d)}
    out = {}
    for name, tensor in net.state_dict().items():
        if name.endswith("num_batches_tracked"):
            value = tensor.clone()
        elif name.endswith("running_var"):
            value = 1 + 0.1 * torch.rand(tensor.shape, generator=g)
        elif name in bn_weights:
            value = 1 + 0.1 * torch.randn(tensor.shape, generator=g)
        else:
            value = 0.05 * torch.randn(tensor.shape, generator=g)
        out[name.replace("backbone.", "resnet50.", 1) if name.startswith("backbone.") else name] = value
    return out


def irn_aliases(key, release=False):
    """The other names IRN's Net (or the release's, `release`) gives the tensor `key`."""
    if key == "classifier.weight":
        return ["newly_added.0.weight"]
    rest = key[len("resnet50."):]
    stage = {"conv1": ("1", "0"), "bn1": ("1", "1"), "layer1": ("1", "4"), "layer2": ("2", "0"),
             "layer3": ("3", "0"), "layer4": ("4", "0")}
    head, tail = rest.split(".", 1)
    k, index = stage[head]
    names = [f"stage{k}.{index}.{tail}"]
    if not release:
        names.append(f"backbone.{int(k) - 1}.{index}.{tail}")
    elif k in "34":
        names.append(f"backbone.{int(k) - 3}.{index}.{tail}")
    return names


def irn_state_dict(weights, release=False):
    """A file's content as IRN's (956 keys) or the release's (812) torch.save(model.state_dict()) holds it."""
    state = dict(weights)
    for key, tensor in weights.items():
        for alias in irn_aliases(key, release):
            state[alias] = tensor
    return state


@pytest.fixture(scope="module")
def weights():
    return irn_weights()


@pytest.fixture(scope="module")
def reference():
    with open(REFERENCE) as f:
        return json.load(f)


def test_the_layouts_have_the_reference_key_counts(weights, reference):
    state = irn_state_dict(weights)
    assert len(state) == reference["n_state_dict_keys"] == 956
    counts = {}
    for key in state:
        counts[key.split(".")[0]] = counts.get(key.split(".")[0], 0) + 1
    assert counts == reference["key_prefix_counts"]
    assert len(irn_state_dict(weights, release=True)) == 812


@pytest.mark.parametrize("release", [False, True])
def test_cams_from_an_irn_file_equal_irns_own_network(tmp_path, weights, reference, release):
    path = str(tmp_path / "res50_cam.pth.pth")
    torch.save(irn_state_dict(weights, release), path)
    net, checkpoint = load_cam_net(path, "cpu")
    assert checkpoint["model_args"]["num_classes"] == 20 and checkpoint["source"] == "irn_resnet50_cam"
    x = torch.linspace(-2, 2, 3 * 64 * 80).reshape(1, 3, 64, 80)
    pair = torch.cat([x, x.flip(-1)])
    with torch.no_grad():
        maps = net.class_maps(pair)
        cam = (maps[0] + maps[1].flip(-1)).numpy().astype(np.float64)
        logits, _ = net(x)
    assert list(cam.shape) == reference["cam_shape"]
    np.testing.assert_allclose(cam.sum(axis=(1, 2)), reference["cam_channel_sums"], rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(cam[0], reference["cam_ch0"], rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(cam.max(), reference["cam_max"], rtol=1e-5)
    np.testing.assert_allclose(logits[0].numpy(), reference["net_logits"], rtol=1e-4, atol=1e-3)
    # make_cam's post-processing (strided and high-res maps, each divided by its max) at scale 1.
    strided, high_res = multiscale_cam(net, [pair], (64, 80), torch.arange(20), 16)
    assert list(strided.shape[1:]) == reference["makecam_strided_size"] == [math.ceil(64 / 4), math.ceil(80 / 4)]
    np.testing.assert_allclose(strided.sum().item(), reference["makecam_strided_norm_sum"], rtol=1e-5)
    np.testing.assert_allclose(high_res.sum().item(), reference["makecam_highres_norm_sum"], rtol=1e-5)


def test_aliases_that_disagree_are_refused(tmp_path, weights):
    state = irn_state_dict(weights)
    state["stage3.0.0.conv1.weight"] = state["stage3.0.0.conv1.weight"] + 1
    path = str(tmp_path / "edited.pth")
    torch.save(state, path)
    with pytest.raises(BadInput, match=re.escape("'stage3.0.0.conv1.weight' and 'resnet50.layer3.0.conv1.weight' "
                                                 "name the same tensor")):
        load_cam_net(path, "cpu")


def test_an_unknown_or_missing_key_is_refused_by_name(tmp_path, weights):
    state = irn_state_dict(weights)
    state["extra_head.weight"] = torch.zeros(3)
    path = str(tmp_path / "extra.pth")
    torch.save(state, path)
    with pytest.raises(BadInput, match=r"key 'extra_head.weight' is not part of IRN's resnet50_cam"):
        load_cam_net(path, "cpu")
    state = irn_state_dict({k: v for k, v in weights.items() if k != "resnet50.layer4.2.conv3.weight"})
    torch.save(state, path)
    with pytest.raises(BadInput, match=r"1 missing keys \['backbone.layer4.2.conv3.weight'\]"):
        load_cam_net(path, "cpu")


@pytest.mark.slow
def test_steps_3_to_6_run_from_an_irn_file_as_f_in(smoke_copy):
    from misc.chain import rerun
    from misc.io_utils import load_cam_dict
    from run_sample import main
    from tests.conftest import TINY

    path = "sess/res50_cam.pth.pth"  # IRN's own name for its F_in (train_cam appends .pth)
    torch.manual_seed(0)  # torchvision's initialisation: activations that train (the reference fill's would not)
    fresh = CAMNet(ResNet50IRN(), 6).state_dict()
    torch.save(irn_state_dict({k.replace("backbone.", "resnet50.", 1): v for k, v in fresh.items()}), path)
    main(TINY + ["--steps", "3-6", "--backbone", "resnet50", "--cam_weights_name", path, "--wood_num_epoches", "1",
                 "--wood_learning_rate", "0.001", "--infer_num", "6"])
    f_in_sha1 = rerun.file_sha1(path)
    wood = torch.load("sess/smoke/cam_wood.pth", weights_only=True)
    assert wood["model_args"]["backbone"] == "resnet50" and wood["made_from"]["f_in"] == f_in_sha1
    with open("result/smoke/baseline/cam/made_from.json") as f:
        assert f_in_sha1 in json.dumps(json.load(f))  # the baseline row's CAMs: made from the file's bytes
    cams = sorted(os.listdir("result/smoke/baseline/cam"))
    cam = load_cam_dict(os.path.join("result/smoke/baseline/cam", next(c for c in cams if c.endswith(".npy"))))
    # each map divided by its max (an untrained classifier's map may be all zero after the ReLU)
    assert cam["high_res"].shape[1:] == (64, 64) and 0 <= cam["high_res"].min() <= cam["high_res"].max() <= 1 + 1e-4
    assert os.path.isfile("result/smoke/baseline/seed_eval.json") and os.path.isfile("result/smoke/wood/seed_eval.json")
    # The release's trained W-OoD classifier as a row: put at the row's checkpoint, steps 5-6 read it.
    torch.save(irn_state_dict({k.replace("backbone.", "resnet50.", 1): v for k, v in fresh.items()}, release=True),
               "sess/smoke/cam_wood.pth")
    os.remove("sess/smoke/cam_wood.pth.made_from.json")
    main(TINY + ["--steps", "5-6", "--backbone", "resnet50", "--cam_weights_name", path, "--infer_num", "6"])
    with open("result/smoke/wood/cam/made_from.json") as f:
        assert rerun.file_sha1("sess/smoke/cam_wood.pth") in json.dumps(json.load(f))
