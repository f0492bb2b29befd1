import os

import numpy as np
import pytest
import torch

from misc import io_utils
from net import build_backbone
from net.cam_net import CAMNet
from step.s05_make_cam import make_cams, multiscale_cam


def tiny_net():
    torch.manual_seed(0)
    net = CAMNet(build_backbone("small", (8, 16, 32, 64)), num_classes=4).eval()
    with torch.no_grad():  # large activations, so the 1e-5 guard of the max-normalisation is negligible
        net.classifier.weight.mul_(1000.0)
    return net


def test_multiscale_cam_shapes_and_max_normalisation():
    net = tiny_net()
    img = torch.randn(3, 37, 50)
    pyramid = [torch.stack([img, img.flip(-1)]), torch.stack([img, img.flip(-1)])[:, :, ::2, ::2].contiguous()]
    keys = torch.tensor([1, 3])
    cam, high = multiscale_cam(net, pyramid, (37, 50), keys, 8)
    assert cam.shape == (2, 10, 13) and high.shape == (2, 37, 50)
    for maps in (cam, high):
        assert maps.min() >= 0
        torch.testing.assert_close(maps.amax(dim=(1, 2)), torch.ones(2), atol=1e-3, rtol=0)


def test_flip_pair_gives_a_flip_symmetric_cam():
    net = tiny_net()
    img = torch.randn(3, 32, 32)
    cam, _ = multiscale_cam(net, [torch.stack([img, img.flip(-1)])], (32, 32), torch.tensor([0]), 8)
    cam_flipped, _ = multiscale_cam(net, [torch.stack([img.flip(-1), img])], (32, 32), torch.tensor([0]), 8)
    torch.testing.assert_close(cam, cam_flipped.flip(-1), atol=1e-5, rtol=1e-4)


def test_npy_contract_and_resume(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        Image.fromarray(rng.integers(0, 255, (24, 40, 3), dtype=np.uint8)).save(tmp_path / f"{name}.jpg")
    labels = {"a": np.array([0, 1, 0, 1], np.float32), "b": np.array([1, 0, 0, 0], np.float32)}
    out = tmp_path / "cam"
    net = tiny_net()
    assert make_cams(net, ["a", "b"], str(tmp_path), labels, (1.0, 0.5), str(out), torch.device("cpu"), False) == 2
    d = io_utils.load_cam_dict(str(out / "a.npy"))
    assert set(d) == {"keys", "cam", "high_res"}
    assert d["keys"].tolist() == [1, 3]
    assert d["cam"].shape == (2, 6, 10) and d["high_res"].shape == (2, 24, 40)
    mtime = os.path.getmtime(out / "a.npy")
    os.remove(out / "b.npy")
    assert make_cams(net, ["a", "b"], str(tmp_path), labels, (1.0, 0.5), str(out), torch.device("cpu"), False) == 1
    assert os.path.getmtime(out / "a.npy") == mtime


def test_folder_made_from_other_settings_is_remade(tmp_path):
    """Other scales or another classifier: no stale file survives (even if the remake is killed)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        Image.fromarray(rng.integers(0, 255, (24, 40, 3), dtype=np.uint8)).save(tmp_path / f"{name}.jpg")
    labels = {"a": np.array([0, 1, 0, 1], np.float32), "b": np.array([1, 0, 0, 0], np.float32)}
    out, net, cpu = tmp_path / "cam", tiny_net(), torch.device("cpu")
    made = {"checkpoint_sha1": "x"}
    assert make_cams(net, ["a", "b"], str(tmp_path), labels, (1.0,), str(out), cpu, False, made_from=made) == 2
    assert make_cams(net, ["a", "b"], str(tmp_path), labels, (1.0,), str(out), cpu, False, made_from=made) == 0
    assert make_cams(net, ["a"], str(tmp_path), labels, (1.0,), str(out), cpu, False,
                     made_from={"checkpoint_sha1": "y"}) == 1
    assert not (out / "b.npy").exists()  # stale: deleted, not kept for a later resume
    assert make_cams(net, ["a", "b"], str(tmp_path), labels, (1.0, 0.5), str(out), cpu, False,
                     made_from={"checkpoint_sha1": "y"}) == 2


def test_advcam_seeds_keep_the_npy_contract(tmp_path):
    from PIL import Image

    from misc.seeds.advcam import advcam_maps

    Image.fromarray(np.random.default_rng(0).integers(0, 255, (24, 40, 3), dtype=np.uint8)).save(tmp_path / "a.jpg")
    labels = {"a": np.array([0, 1, 0, 1], np.float32)}
    net = tiny_net().requires_grad_(False)
    maps_of = lambda pair, keys, scale: advcam_maps(net, pair, keys, adv_iter=3)  # noqa: E731
    out = tmp_path / "advcam"
    assert make_cams(net, ["a"], str(tmp_path), labels, (1.0, 0.5), str(out), torch.device("cpu"), False,
                     maps_of=maps_of) == 1
    d = io_utils.load_cam_dict(str(out / "a.npy"))
    assert d["keys"].tolist() == [1, 3]
    assert d["cam"].shape == (2, 6, 10) and d["high_res"].shape == (2, 24, 40)
    assert d["high_res"].min() >= 0
    np.testing.assert_allclose(d["high_res"].max(axis=(1, 2)), 1.0, atol=1e-3)


def test_float16_full_resolution_maps_halve_the_file_and_keep_the_seeds(tmp_path):
    import json

    from PIL import Image

    from misc.chain.rerun import STAMP
    from misc.metrics import cam_to_seed

    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 255, (64, 80, 3), dtype=np.uint8)).save(tmp_path / "a.jpg")
    labels = {"a": np.array([0, 1, 1, 0], np.float32)}
    net, cpu = tiny_net(), torch.device("cpu")
    make_cams(net, ["a"], str(tmp_path), labels, (1.0, 0.5), str(tmp_path / "f32"), cpu, False)
    make_cams(net, ["a"], str(tmp_path), labels, (1.0, 0.5), str(tmp_path / "f16"), cpu, False,
              high_res_dtype="float16")
    full, half = (io_utils.load_npy(str(tmp_path / d / "a.npy")) for d in ("f32", "f16"))
    assert full["high_res"].dtype == np.float32 and half["high_res"].dtype == np.float16  # on disk
    assert os.path.getsize(tmp_path / "f16/a.npy") < 0.6 * os.path.getsize(tmp_path / "f32/a.npy")
    read = io_utils.load_cam_dict(str(tmp_path / "f16/a.npy"))
    assert read["high_res"].dtype == np.float32  # readers get float32
    assert np.abs(read["high_res"] - full["high_res"]).max() <= 1e-3  # float16 rounding of maps in [0, 1]
    agree = (cam_to_seed(read["high_res"], read["keys"], 0.15) == cam_to_seed(full["high_res"], full["keys"], 0.15))
    assert agree.mean() >= 0.999
    assert json.load(open(tmp_path / "f16" / STAMP))["cam_high_res_dtype"] == "float16"  # recorded when set
    assert "cam_high_res_dtype" not in json.load(open(tmp_path / "f32" / STAMP))  # older folders stay current


def test_loader_workers_write_the_same_bytes(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(3)
    names = ["a", "b", "c"]
    for name in names:
        Image.fromarray(rng.integers(0, 255, (24, 40, 3), dtype=np.uint8)).save(tmp_path / f"{name}.jpg")
    labels = {n: np.array([1, 0, 1, 0], np.float32) for n in names}
    net, cpu = tiny_net(), torch.device("cpu")
    for workers, out in ((0, "here"), (2, "workers")):
        assert make_cams(net, names, str(tmp_path), labels, (1.0, 0.5), str(tmp_path / out), cpu, False,
                         num_workers=workers) == 3
    for name in names:
        assert (tmp_path / "here" / f"{name}.npy").read_bytes() == (tmp_path / "workers" / f"{name}.npy").read_bytes()


@pytest.mark.slow
def test_random_walk_with_loader_workers_writes_the_same_masks(smoke_copy):
    # Step 9 decodes its images in --num_workers processes: the pseudo-masks keep their bytes.
    from run_sample import main
    from tests.conftest import TINY

    folder = "result/smoke/wood/sem_seg"
    before = {f: open(os.path.join(folder, f), "rb").read() for f in os.listdir(folder) if f.endswith(".png")}
    main(TINY + ["--steps", "9", "--cam_models", "wood", "--overwrite", "make_sem_seg", "--num_workers", "2"])
    after = {f: open(os.path.join(folder, f), "rb").read() for f in os.listdir(folder) if f.endswith(".png")}
    assert len(before) > 0 and before == after
