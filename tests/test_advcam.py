"""AdvCAM (misc/seeds/advcam.py): the climbing step, the restricting mask, the score, and the seeds."""
import pytest
import torch
import torch.nn.functional as F

from misc.seeds.advcam import (advcam_maps, class_logits, climb_step, gradcam_scale, pair_maps,
                               release_small_scale_steps, restricting_mask, target_margin)
from net import build_backbone
from net.cam_net import CAMNet
from step.s05_make_cam import cam_pair_maps


def tiny_net(num_classes=4):
    torch.manual_seed(0)
    net = CAMNet(build_backbone("small", (8, 16, 32, 64)), num_classes=num_classes).eval()
    return net.requires_grad_(False)


def image_pair(h=32, w=40, seed=1):
    img = torch.randn(3, h, w, generator=torch.Generator().manual_seed(seed))
    return torch.stack([img, img.flip(-1)])


def test_climb_step_by_hand():
    x = torch.zeros(1, 2, 2)
    grad = torch.tensor([[[1.0, -2.0], [0.5, 0.0]]])
    out = climb_step(x, grad, step_size=0.08, low=-0.05, high=1.0)
    # x + 0.08 * g / max|g| = [[0.04, -0.08], [0.02, 0]], then clipped at -0.05
    torch.testing.assert_close(out, torch.tensor([[[0.04, -0.05], [0.02, 0.0]]]))


def test_climb_step_normalises_each_class_copy_by_its_own_max():
    grad = torch.tensor([[1.0, 2.0], [10.0, 5.0]])
    out = climb_step(torch.zeros(2, 2), grad, 1.0, -10, 10)
    torch.testing.assert_close(out, torch.tensor([[0.5, 1.0], [1.0, 0.5]]))


def test_restricting_mask_keeps_values_above_score_th_times_the_max():
    maps = torch.tensor([[[0.0, 1.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]]])
    mask = restricting_mask(maps, 0.5)
    assert mask.tolist() == [[[0, 0], [0, 1]], [[0, 0], [0, 0]]]  # > 2 only; a zero map masks nothing
    assert restricting_mask(maps, 0.2)[0].tolist() == [[0, 1], [1, 1]]  # > 0.8


def test_target_margin_by_hand():
    logits = torch.tensor([[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], [[0.0, 1.0, 5.0], [1.0, 1.0, 1.0]]])
    # copy 0, class 1: 2 - (1 + 3) = -2 per image of the pair; copy 1, class 2: (5 - 1) + (1 - 2) = 3
    assert target_margin(logits, torch.tensor([1, 2])).tolist() == [-4.0, 3.0]


def test_class_logits_forms():
    raw = torch.tensor([[[[1.0, -3.0]]]])  # (1, C=1, 1, 2)
    assert class_logits(raw, "logit").item() == -1.0  # GAP of the raw maps = the classifier's logit
    assert class_logits(raw, "relu_gap").item() == 0.5  # the release: GAP of ReLU'd maps
    with pytest.raises(ValueError, match="logit_form"):
        class_logits(raw, "sum")


def test_pair_maps_picks_each_copys_class_and_unflips():
    raw = torch.randn(2, 2, 3, 4, 5)
    keys = torch.tensor([2, 0])
    out = pair_maps(raw, keys)
    for k, c in enumerate(keys.tolist()):
        torch.testing.assert_close(out[k], F.relu(raw[k, 0, c]) + F.relu(raw[k, 1, c]).flip(-1))


def test_logit_form_matches_the_networks_forward():
    net, pair = tiny_net(), image_pair()
    raw = F.conv2d(net.backbone(pair), net.classifier.weight)
    logits, _ = net(pair)
    torch.testing.assert_close(class_logits(raw, "logit"), logits, atol=1e-5, rtol=1e-4)


def test_one_climbing_step_raises_the_target_logit():
    net, pair = tiny_net(), image_pair()
    keys = torch.tensor([1, 3])
    x = pair.unsqueeze(0).repeat(2, 1, 1, 1, 1).requires_grad_(True)
    logits = class_logits(F.conv2d(net.backbone(x.flatten(0, 1)), net.classifier.weight), "logit").unflatten(0, (2, 2))
    grad, = torch.autograd.grad(target_margin(logits, keys).sum(), x)
    climbed = climb_step(x.detach(), grad, 0.02, pair.min(), pair.max())
    after, _ = net(climbed.flatten(0, 1))
    after = after.unflatten(0, (2, 2))
    for k, c in enumerate(keys.tolist()):
        assert after[k, :, c].sum() > logits[k, :, c].sum()
        assert target_margin(after, keys)[k] > target_margin(logits.detach(), keys)[k]


def test_gradcam_map_equals_the_releases_gradcam():
    """The release: weights = pooled gradient of sum ReLU(w_c . f) / #positive gradient entries."""
    net, pair = tiny_net(), image_pair()
    c = 2
    features = net.backbone(pair).requires_grad_(True)
    raw = F.conv2d(features, net.classifier.weight)
    grads, = torch.autograd.grad(F.relu(raw[:, c]).sum(), features)
    alpha = grads.flatten(2).sum(dim=2) / (grads > 0).sum()
    gcam = F.relu((features * alpha[:, :, None, None]).sum(dim=1)).detach()
    expected = gcam[0] + gcam[1].flip(-1)
    got = pair_maps(raw.detach().unsqueeze(0), torch.tensor([c]), net.classifier.weight.flatten(1))[0]
    assert expected.abs().max() > 0
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-4)


def test_gradcam_scale_by_hand():
    raw = torch.tensor([[[[1.0, -1.0], [2.0, 3.0]], [[-1.0, -1.0], [4.0, -2.0]]]])  # P = 3 and 1
    weights = torch.tensor([[0.5, -1.0, 2.0]])  # 2 positive entries
    torch.testing.assert_close(gradcam_scale(raw, weights), torch.tensor([[3 / 8, 1 / 8]]))
    assert gradcam_scale(-raw.abs(), weights).tolist() == [[0.0, 0.0]]  # nothing positive


def test_one_iteration_is_exactly_cam():
    net, pair = tiny_net(), image_pair()
    keys = torch.tensor([0, 2])
    torch.testing.assert_close(advcam_maps(net, pair, keys, adv_iter=1, adv_map="cam"), cam_pair_maps(net)(pair, keys))


def test_climbing_grows_the_accumulated_map_beyond_t_times_cam():
    net, pair = tiny_net(), image_pair()
    keys = torch.tensor([1])
    cam = cam_pair_maps(net)(pair, keys)
    adv = advcam_maps(net, pair, keys, adv_iter=5, ad_coeff=0.0, adv_map="cam")
    assert adv.sum() > 5 * cam.sum()  # each climbed image scores its class higher than x^0


def test_classes_climbed_together_equal_classes_climbed_one_by_one():
    net, pair = tiny_net(), image_pair()
    keys = torch.tensor([0, 1, 3])
    together = advcam_maps(net, pair, keys, adv_iter=3)
    alone = advcam_maps(net, pair, keys, adv_iter=3, class_batch=1)
    torch.testing.assert_close(together, alone, atol=1e-4, rtol=1e-4)


def test_the_regulariser_holds_back_the_masked_region():
    """With a large lambda the strong (masked) region changes less than without it."""
    net, pair = tiny_net(), image_pair()
    keys = torch.tensor([2])
    init = cam_pair_maps(net)(pair, keys)
    mask = restricting_mask(init, 0.5).bool()
    free = advcam_maps(net, pair, keys, adv_iter=4, ad_coeff=0.0, adv_map="cam") - 4 * init
    held = advcam_maps(net, pair, keys, adv_iter=4, ad_coeff=100.0, adv_map="cam") - 4 * init
    assert held[mask].abs().sum() < free[mask].abs().sum()


def test_release_small_scale_steps():
    assert [release_small_scale_steps(t) for t in (27, 11, 10, 6, 5, 1)] == [13, 5, 5, 5, 5, 1]


def test_bad_iteration_count_is_refused():
    with pytest.raises(ValueError, match="adv_iter"):
        advcam_maps(tiny_net(), image_pair(), torch.tensor([0]), adv_iter=0)
    with pytest.raises(ValueError, match="adv_map"):
        advcam_maps(tiny_net(), image_pair(), torch.tensor([0]), adv_map="gradcam++")


def test_the_climb_runs_the_network_under_amp():
    # --amp reaches AdvCAM's climb (it calls the backbone itself): bf16 maps near the fp32 ones, not equal.
    net, pair, keys = tiny_net(), image_pair(), torch.tensor([0, 2])
    fp32 = advcam_maps(net, pair, keys, adv_iter=3)
    net.amp = True
    bf16 = advcam_maps(net, pair, keys, adv_iter=3)
    assert bf16.dtype == torch.float32 and not torch.equal(bf16, fp32)
    torch.testing.assert_close(bf16, fp32, rtol=0.1, atol=0.05 * fp32.abs().max().item())
