"""The `voc` preset's IRN / release behaviour, each against a value worked out by hand
from the reference code (jiwoon-ahn/irn, naver-ai/w-ood): boundary branch, inference padding,
label grid, scale augmentation, frozen stages, IRN's training ids, the release's K-means,
resize rounding. The path index and pair sources are in test_path_index.py."""
import argparse

import numpy as np
import pytest
import torch
from PIL import Image

from misc import imutils
from misc.chain.subsets import irn_ids, seed_ids
from misc.images import voc_palette
from misc.io_utils import save_label_png, save_lines
from misc.method.clustering import kmeans_centres
from net import build_backbone
from net.cam_net import CAMNet
from net.irn_net import BoundaryNet
from net.resnet50 import ResNet50IRN
from voc12.ir_label_dataset import IRLabelDataset, label_on_grid


def test_irn_edge_branch_has_five_levels_of_32_channels():
    # resnet50_irn.py: fc_edge1..5 reduce 64, 256, 512, 1024, 2048 channels to 32 each; fc_edge6 reads 160.
    net = BoundaryNet(ResNet50IRN(), branch="irn")
    assert [r[0].in_channels for r in net.reduce] == [64, 256, 512, 1024, 2048]
    assert net.head.in_channels == 160 and net.strides == [4, 4, 8, 16, 16]
    compact = BoundaryNet(ResNet50IRN(), branch="compact")
    assert compact.head.in_channels == 128 and compact.strides == [4, 8, 16, 16]
    with torch.no_grad():
        assert net(torch.zeros(1, 3, 40, 52)).shape == (1, 10, 13)


def test_irn_upsamples_before_the_relu():
    # A stride-8 level whose reduced row is [-1, 1]: IRN upsamples x2 (bilinear, align_corners
    # False: -1, -0.5, 0.5, 1) and then applies the ReLU -> 0, 0, 0.5, 1; the compact branch
    # applies the ReLU first (0, 1) and then resizes -> 0, 0.25, 0.75, 1.
    row = torch.tensor([[[[-1.0, 1.0]]]])
    irn = BoundaryNet(build_backbone("small", (8, 8, 8, 8)), branch="irn")
    compact = BoundaryNet(build_backbone("small", (8, 8, 8, 8)), branch="compact")
    assert irn.to_grid(row, 8, (2, 4))[0, 0, 0].tolist() == [0.0, 0.0, 0.5, 1.0]
    assert compact.to_grid(row, 8, (2, 4))[0, 0, 0].tolist() == [0.0, 0.25, 0.75, 1.0]


def test_inference_pads_to_the_crop_and_crops_the_map_back():
    # IRN's EdgeDisplacement: zero-pad image and flip on the right and bottom to 512, run, crop
    # to ((H-1)//4+1, (W-1)//4+1), then average the map with the flipped flip's.
    torch.manual_seed(0)
    net = BoundaryNet(build_backbone("small", (8, 8, 8, 8))).eval()
    pair = torch.randn(2, 3, 18, 26)
    with torch.no_grad():
        padded = torch.nn.functional.pad(pair, [0, 32 - 26, 0, 32 - 18])
        logits = net(padded)[:, :5, :7]
        expected = torch.sigmoid(logits[0] / 2 + logits[1].flip(-1) / 2)
        torch.testing.assert_close(net.boundary(pair, pad_to=32), expected)
        assert net.boundary(pair).shape == (5, 7)
        assert not torch.allclose(net.boundary(pair), expected)  # the padding changes the map


def test_label_grid_reads_the_cell_centre():
    # IRN: pil_rescale(label, 0.25, 0), PIL's nearest, samples pixel 4i + 2; cv2's nearest 4i.
    label = np.arange(64, dtype=np.uint8).reshape(8, 8)
    assert label_on_grid(label, "centre").tolist() == [[18, 22], [50, 54]]
    assert label_on_grid(label, "corner").tolist() == [[0, 4], [32, 36]]


def test_scale_augmentation_as_irn(tmp_path):
    # A 40x64 image at scale 0.5 is 20x32 (IRN's rounding), padded into a 64 crop (image 0 after
    # normalising, label 255) wherever the crop falls.
    Image.fromarray(np.full((40, 64, 3), 128, np.uint8)).save(tmp_path / "a.jpg")
    save_label_png(str(tmp_path / "a.png"), np.ones((40, 64), np.uint8), voc_palette())
    ds = IRLabelDataset(["a"], str(tmp_path), str(tmp_path), radius=3, resize_long=None, crop_size=64,
                        augment="scale", scale_range=(0.5, 0.5), kernel="pil_bicubic")
    for seed in range(3):
        np.random.seed(seed)
        sample = ds[0]
        fg_sources = sample["fg_pos"].any(0)
        assert sample["img"].shape == (3, 64, 64) and fg_sources.sum() > 0
        assert int((sample["img"][0] != 0).sum()) == 20 * 32  # the rest is the zero padding
    assert imutils.scaled_size((375, 500), 0.5) == (188, 250)  # np.round, as IRN's pil_rescale


def test_pil_bicubic_kernel_is_pils():
    img = (np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5).astype(np.uint8)
    expected = np.asarray(Image.fromarray(img).resize((6, 6), Image.BICUBIC))
    assert (imutils.rescale(img, 1.5, "pil_bicubic") == expected).all()
    assert not (imutils.rescale(img, 1.5, "cv2_bilinear") == expected).all()


def test_frozen_stages_do_not_train():
    # IRN's resnet50_cam.py detaches after stage 2 (layer1, layer2); the release optimises stage3,
    # stage4 and the classifier only.
    torch.manual_seed(0)
    net = CAMNet(build_backbone("small", (8, 8, 8, 8)), num_classes=3).freeze_stages(2)
    trainable = [n for n, p in net.named_parameters() if p.requires_grad]
    assert all(n.startswith(("backbone.stages.2", "backbone.stages.3", "classifier")) for n in trainable)
    before = {n: p.detach().clone() for n, p in net.named_parameters()}
    net.train()
    optimizer = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.5)
    logits, _ = net(torch.randn(2, 3, 32, 32))
    logits.sum().backward()
    optimizer.step()
    changed = {n for n, p in net.named_parameters() if not torch.equal(p, before[n])}
    assert "backbone.stages.3.conv1.weight" in changed and "classifier.weight" in changed
    assert not any(n.startswith(("backbone.conv1", "backbone.stages.0", "backbone.stages.1")) for n in changed)


def test_irn_trains_on_the_train_list_and_cams_cover_both(tmp_path):
    save_lines(str(tmp_path / "infer.txt"), ["a", "b"])
    save_lines(str(tmp_path / "train.txt"), ["c", "a", "d"])
    args = argparse.Namespace(infer_list=str(tmp_path / "infer.txt"), train_list=str(tmp_path / "train.txt"),
                              infer_num=0, subset_seed=0, irn_ids="train")
    assert irn_ids(args) == ["c", "a", "d"] and seed_ids(args) == ["a", "b", "c", "d"]
    args.irn_ids = "infer"
    assert irn_ids(args) == seed_ids(args) == ["a", "b"]


def test_release_kmeans_first_k_lloyd():
    # step/train_utils.py KMeans: c = x[:K], then 10 x (assign to nearest, move to the mean).
    # [0, 1, 10, 11], K = 2: centres 0, 1 -> assignment 0,1,1,1 -> centres 0, 22/3 -> 0,0,1,1 -> 0.5, 10.5.
    z = np.array([[0.0], [1.0], [10.0], [11.0]])
    centres, assignment = kmeans_centres(z, 2, seed=0, method="release")
    assert centres[:, 0].tolist() == [0.5, 10.5] and assignment.tolist() == [0, 0, 1, 1]
    # A centre that loses every point stays (the release would divide by zero): [0, 0, 5] starts at
    # 0, 0; ties go to the first, so centre 1 is empty, then takes the zeros once centre 0 moves to 5/3.
    centres, assignment = kmeans_centres(np.array([[0.0], [0.0], [5.0]]), 2, seed=0, method="release")
    assert centres[:, 0].tolist() == [5.0, 0.0] and assignment.tolist() == [1, 1, 0]
    with pytest.raises(ValueError, match="--kmeans"):
        kmeans_centres(z, 2, seed=0, method="lloyd")
