"""Table 3's segmentation network (steps 11-12): ASPP, output stride, the loss and its ignored
pixels, a training step, the CRF on probabilities, the VOC server export."""
import argparse
import os

import numpy as np
import pytest
import torch
from PIL import Image

from misc.images import voc_palette
from misc.io_utils import load_label_png, save_lines
from net.deeplab import ASPP, ResNet101OS8, build_seg_net, upsampled_logits
from step.s11_train_seg import build_optimizer, segmentation_loss
from step.s12_eval_seg import export_test

SMALL = {"net": "deeplabv2", "backbone": "small", "num_classes": 4, "aspp_rates": [1, 2, 3, 4],
         "small_widths": [8, 8, 8, 8]}


def test_aspp_sums_four_dilated_branches():
    aspp = ASPP(3, 2, rates=(1, 2))
    x = torch.randn(1, 3, 9, 9)
    by_hand = sum(torch.nn.functional.conv2d(x, b.weight, b.bias, padding=r, dilation=r)
                  for b, r in zip(aspp.branches, (1, 2)))
    torch.testing.assert_close(aspp(x), by_hand)
    assert [b.dilation for b in ASPP(2048, 21).branches] == [(6, 6), (12, 12), (18, 18), (24, 24)]
    assert ASPP(3, 2)(x).shape == (1, 2, 9, 9)  # 3x3, padding = rate: the size is kept


def test_output_stride_8():
    with torch.no_grad():
        assert ResNet101OS8()(torch.zeros(1, 3, 64, 64)).shape == (1, 2048, 8, 8)
        net = build_seg_net(SMALL).eval()
        assert net(torch.zeros(1, 3, 64, 48)).shape == (1, 4, 8, 6)
        assert upsampled_logits(net, torch.zeros(1, 3, 64, 48)).shape == (1, 4, 64, 48)
        v3 = build_seg_net({**SMALL, "net": "deeplabv3"}).eval()
        assert v3(torch.zeros(1, 3, 64, 48)).shape == (1, 4, 8, 6)


def test_backbone_batch_norm_stays_as_pretrained():
    # deeplab-pytorch: base.freeze_bn() (statistics) and a 1x group of conv layers only (affine).
    net = build_seg_net({**SMALL, "net": "deeplabv3"}).train()
    backbone, weights, biases = net.param_groups()
    bn = [m for m in net.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bn and not {id(p) for m in bn for p in m.parameters()} & {id(p) for p in backbone}
    assert all(not m.training for m in bn)
    assert all(m.training for m in net.head.modules() if isinstance(m, torch.nn.BatchNorm2d))  # the new head's
    convs = [p for m in net.backbone.modules() if isinstance(m, torch.nn.Conv2d) for p in m.parameters()]
    assert len(backbone) == len(convs) and len(weights) + len(biases) == len(list(net.head.parameters()))


def test_ignored_pixels_take_no_gradient():
    logits = torch.randn(1, 3, 2, 2, requires_grad=True)
    mask = torch.tensor([[[0, 255], [2, 255]]])
    segmentation_loss(logits, mask).backward()
    assert (logits.grad[0, :, :, 1] == 0).all() and (logits.grad[0, :, :, 0] != 0).all()
    # The mean runs over the two labelled pixels only: -log softmax at (0, 0) class 0, (1, 0) class 2.
    logp = logits.detach().log_softmax(1)
    assert torch.isclose(segmentation_loss(logits.detach(), mask), -(logp[0, 0, 0, 0] + logp[0, 2, 1, 0]) / 2)


def test_balanced_loss_averages_background_and_foreground_apart():
    # DSRG's BalancedSeedLossLayer, per image: mean -log p over background pixels + mean over
    # foreground pixels, then the batch mean. Image 0: background (0,0), (0,1), (0,2); foreground
    # (1,0) class 1; (1,1) ignored; (1,2) class 2. Image 1: all background but one ignored pixel,
    # so its foreground term is 0 / max(0, 1e-4) = 0.
    logits = torch.randn(2, 3, 2, 3)
    mask = torch.tensor([[[0, 0, 0], [1, 255, 2]], [[0, 0, 0], [0, 0, 255]]])
    logp = logits.log_softmax(1)
    image0 = (-(logp[0, 0, 0, 0] + logp[0, 0, 0, 1] + logp[0, 0, 0, 2]) / 3
              - (logp[0, 1, 1, 0] + logp[0, 2, 1, 2]) / 2)
    image1 = -(logp[1, 0, 0, :].sum() + logp[1, 0, 1, :2].sum()) / 5
    assert torch.isclose(segmentation_loss(logits, mask, "balanced"), (image0 + image1) / 2)
    # Plain CE weighs the same pixels by count: the 8 background pixels outweigh the 2 foreground.
    everything = -(logp[0, 0, 0].sum() + logp[0, 1, 1, 0] + logp[0, 2, 1, 2] + logp[1, 0, 0].sum()
                   + logp[1, 0, 1, :2].sum()) / 10
    assert torch.isclose(segmentation_loss(logits, mask, "ce"), everything)


def test_seg_recipe_sets_the_authors_flags_and_explicit_flags_win():
    from run_sample import parse_args

    author = parse_args(["--preset", "voc", "--seg_recipe", "author"])
    assert (author.seg_loss, author.seg_num_epoches, author.seg_batch_size, author.seg_learning_rate) == \
        ("balanced", 28, 10, 2.5e-4)
    assert author.seg_train_scales == (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
    assert parse_args(["--preset", "voc", "--seg_recipe", "author", "--seg_loss", "ce"]).seg_loss == "ce"
    voc = parse_args(["--preset", "voc"])
    assert (voc.seg_loss, voc.seg_num_epoches, voc.seg_train_scales) == ("ce", 19, (0.5, 0.75, 1.0, 1.25, 1.5))


def test_one_training_step_lowers_the_loss():
    torch.manual_seed(0)
    net = build_seg_net(SMALL).train()
    x = torch.randn(4, 3, 32, 32)
    mask = torch.zeros(4, 32, 32, dtype=torch.int64)
    mask[:, 8:24, 8:24] = 2
    args = argparse.Namespace(seg_learning_rate=0.01, seg_weight_decay=5e-4, seg_momentum=0.9)
    optimizer = build_optimizer(net, args)
    assert [g["lr"] for g in optimizer.param_groups] == [0.01, 0.1, 0.2]  # deeplab-pytorch's 1x, 10x, 20x
    assert optimizer.param_groups[2]["weight_decay"] == 0.0  # no decay on the head's biases
    losses = []
    for _ in range(2):
        loss = segmentation_loss(upsampled_logits(net, x), mask)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[1] < losses[0]


def test_crf_on_probabilities_follows_the_image():
    from misc.seeds.crf import crf_refine_probs

    rgb = np.zeros((20, 20, 3), np.uint8)
    rgb[:, 10:] = 255
    probs = np.full((2, 20, 20), 0.5, np.float32)
    probs[0, :, :4], probs[1, :, :4] = 0.9, 0.1    # sure of class 0 on the dark left
    probs[0, :, 16:], probs[1, :, 16:] = 0.1, 0.9  # sure of class 1 on the bright right
    labels = crf_refine_probs(rgb, probs).argmax(0)
    assert (labels[:, :10] == 0).all() and (labels[:, 10:] == 1).all()


def test_test_predictions_in_the_servers_layout(tmp_path):
    root = tmp_path / "VOC2012"
    os.makedirs(root / "JPEGImages")
    for image_id in ("2008_000001", "2008_000002"):
        Image.fromarray(np.full((20, 24, 3), 90, np.uint8)).save(root / "JPEGImages" / f"{image_id}.jpg")
    save_lines(str(tmp_path / "test.txt"), ["2008_000001", "2008_000002"])
    args = argparse.Namespace(seg_test_list=str(tmp_path / "test.txt"), seg_test_root=str(root), voc12_root=None,
                              result_dir=str(tmp_path / "result"), seg_infer_scales=(1.0,), seg_crf=False,
                              resize_kernel="cv2_bilinear")
    export_test(build_seg_net(SMALL).eval(), args, "wood", torch.device("cpu"))
    out = tmp_path / "result" / "wood" / "results" / "VOC2012" / "Segmentation" / "comp6_test_cls"
    assert sorted(os.listdir(out)) == ["2008_000001.png", "2008_000002.png"]
    with Image.open(out / "2008_000001.png") as png:
        assert png.mode == "P" and png.size == (24, 20) and png.getpalette()[:6] == voc_palette()[:6]
    assert load_label_png(str(out / "2008_000001.png")).max() < 4


@pytest.mark.slow
def test_step12_crf_in_the_pool_gives_the_same_predictions(smoke_copy):
    # The smoke run refines Table 3's msf output in --crf_workers processes; one process agrees byte for byte.
    from run_sample import main
    from tests.conftest import TINY

    def outputs():
        found = {"eval": open("result/smoke/wood/seg_eval.json", "rb").read()}
        folder = "result/smoke/wood/seg_pred"
        found.update({f: open(os.path.join(folder, f), "rb").read() for f in os.listdir(folder) if f.endswith(".png")})
        return found

    pooled = outputs()
    main(TINY + ["--steps", "12", "--cam_models", "wood", "--overwrite", "eval_seg", "--crf_workers", "1"])
    assert len(pooled) > 1 and outputs() == pooled


@pytest.mark.slow
def test_the_val_curve_scores_every_epoch_and_leaves_the_run_as_it_was(smoke_copy, monkeypatch, capsys):
    import json
    import sys

    from scripts import seg_val_curve
    from tests.conftest import TINY

    checkpoint = smoke_copy / "sess" / "smoke" / "seg_wood.pth"
    before = checkpoint.stat().st_mtime_ns
    monkeypatch.setattr(sys, "argv", ["seg_val_curve.py", "--run_name", "smoke", "--rows", "wood", "--", *TINY,
                                      "--seg_num_epoches", "2"])
    seg_val_curve.main()
    out = capsys.readouterr().out
    assert "wood epoch 1: val mIoU" in out and "wood epoch 2: val mIoU" in out
    assert checkpoint.stat().st_mtime_ns == before  # trained in a temporary folder
    with open(smoke_copy / "result" / "smoke" / "wood" / "seg_eval.json") as f:
        assert "single" in json.load(f)
