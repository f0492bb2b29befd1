"""Bad inputs: a clear error naming the file or flag, an honest result, never code from a file."""
import logging
import os

import numpy as np
import pytest
import torch
from PIL import Image

from misc import io_utils
from misc.metrics import cam_to_seed
from misc.seeds.crf import crf_seed


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_npy_is_refused_and_runs_nothing(tmp_path):
    marker, path = tmp_path / "pwned", tmp_path / "clusters.npy"
    np.save(path, np.array({"class_centres": _Payload(marker)}, dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="clusters.npy.*posix.system is not an array type|clusters.npy.*system"):
        io_utils.load_npy(str(path), "cluster file")
    assert not marker.exists()


def test_the_irn_cam_format_still_loads(tmp_path):
    path = str(tmp_path / "a.npy")
    io_utils.save_npy(path, {"keys": np.array([2]), "cam": np.ones((1, 2, 2), np.float32),
                             "high_res": np.ones((1, 8, 8), np.float32)})
    cam = io_utils.load_cam_dict(path)
    assert cam["keys"].tolist() == [2] and cam["high_res"].shape == (1, 8, 8)
    plain = str(tmp_path / "plain.npy")
    io_utils.save_npy(plain, np.arange(3))
    assert io_utils.load_npy(plain).tolist() == [0, 1, 2]


def test_a_truncated_cam_file_names_the_file(tmp_path):
    path = tmp_path / "a.npy"
    io_utils.save_npy(str(path), {"keys": np.array([2]), "cam": np.ones((1, 4, 4)), "high_res": np.ones((1, 16, 16))})
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="cannot read CAM file .*a.npy"):
        io_utils.load_cam_dict(str(path))


def test_an_rgb_mask_is_refused_by_name_not_read_as_class_128(tmp_path):
    path = tmp_path / "mask.png"
    Image.fromarray(np.full((4, 4, 3), 128, np.uint8)).save(path)
    with pytest.raises(ValueError, match="mask.png is a RGB image: expected a palette or grey PNG"):
        io_utils.load_label_png(str(path))


def test_empty_lists_are_an_error_and_duplicates_are_dropped_with_a_warning(tmp_path, caplog):
    empty = tmp_path / "train.txt"
    empty.write_text("\n\n")
    with pytest.raises(ValueError, match="train list .*train.txt is empty"):
        io_utils.read_ids(str(empty), "train list")
    repeated = tmp_path / "infer.txt"
    repeated.write_text("a\nb\na\n")
    with caplog.at_level(logging.WARNING):
        assert io_utils.read_ids(str(repeated), "infer list") == ["a", "b"]
    assert "infer.txt lists 1 ids more than once" in caplog.text


def test_an_image_with_no_labelled_class_gets_an_empty_seed():
    from net import build_backbone
    from net.cam_net import CAMNet
    from step.s05_make_cam import multiscale_cam

    net = CAMNet(build_backbone("small", (4, 8, 8, 8)), 3).eval()
    pyramid = [torch.zeros(2, 3, 16, 16)]
    cam, high_res = multiscale_cam(net, pyramid, (16, 16), torch.zeros(0, dtype=torch.long), 8)
    assert cam.shape == (0, 4, 4) and high_res.shape == (0, 16, 16)
    assert (cam_to_seed(high_res.numpy(), np.zeros(0, int), 0.15) == 0).all()
    assert (crf_seed(np.zeros((16, 16, 3), np.uint8), high_res.numpy(), np.zeros(0, int), 0.15) == 0).all()


def test_a_mask_of_the_wrong_size_names_the_image(tmp_path):
    from misc.images import voc_palette
    from step.s10_eval_sem_seg import evaluate_masks

    voc = tmp_path / "voc"
    io_utils.save_label_png(str(voc / "SegmentationClass" / "img1.png"), np.zeros((8, 8), np.uint8), voc_palette())
    io_utils.save_label_png(str(tmp_path / "masks" / "img1.png"), np.zeros((6, 8), np.uint8), voc_palette())
    with pytest.raises(ValueError, match="pseudo-mask of 'img1' .* is \\(6, 8\\) but its ground truth is \\(8, 8\\)"):
        evaluate_masks(["img1"], str(tmp_path / "masks"), str(voc), 2)


def test_a_batch_larger_than_the_training_set_is_an_error_not_a_zero_step_training(in_tmp_dir):
    from run_sample import main

    tiny = ["--preset", "smoke", "--syn_n_train", "12", "--syn_n_val", "4", "--syn_n_probe_per_class", "1",
            "--syn_n_ood_hard", "2", "--syn_n_ood_easy", "2", "--syn_n_ood_positive", "1",
            "--backbone_pretrained", "false", "--steps", "0,1", "--cam_batch_size", "16"]
    with pytest.raises(ValueError, match="training would take 0 steps; lower the batch size"):
        main(tiny)
    assert not os.path.exists("sess/smoke/cam_baseline.pth")  # nothing saved as trained


def test_a_users_checkpoint_given_as_output_is_never_replaced(in_tmp_dir):
    from run_sample import main

    mine = in_tmp_dir / "official_f_in.pth"
    torch.save({"weights": torch.zeros(2)}, mine)
    before = mine.read_bytes()
    tiny = ["--preset", "smoke", "--syn_n_train", "12", "--syn_n_val", "4", "--syn_n_probe_per_class", "1",
            "--syn_n_ood_hard", "2", "--syn_n_ood_easy", "2", "--syn_n_ood_positive", "1",
            "--backbone_pretrained", "false", "--steps", "0,1", "--cam_batch_size", "4", "--cam_weights_name", str(mine)]
    with pytest.raises(FileExistsError, match="official_f_in.pth exists and was not written by this project.*"
                                              "--train_cam_pass false"):
        main(tiny)
    assert mine.read_bytes() == before


def test_a_given_pretrained_backbone_is_an_input_not_retrained(in_tmp_dir, caplog):
    from run_sample import parse_args
    from step import s00_pretrain_backbone

    weights = in_tmp_dir / "stand_in_seed0.pth"
    weights.write_bytes(b"someone else's weights")
    args = parse_args(["--preset", "smoke", "--syn_seed", "1", "--backbone_weights", str(weights)])
    with caplog.at_level(logging.INFO):
        assert s00_pretrain_backbone.run(args) == "skipped"
    assert weights.read_bytes() == b"someone else's weights" and "it is an input" in caplog.text


@pytest.mark.parametrize("argv", [["--run_name", "synthetic_smoke"], ["--preset", "voc", "--run_name", "openimages"]])
def test_a_run_name_may_not_collide_with_an_ood_pool(argv):
    from run_sample import parse_args

    with pytest.raises(ValueError, match="synthetic_|OoD pool"):
        parse_args(argv)


def test_step0_never_writes_into_a_users_list_dir(in_tmp_dir):
    from run_sample import parse_args
    from step import s00_prepare_data

    mine = in_tmp_dir / "irn_voc12"
    mine.mkdir()
    (mine / "cls_labels.npy").write_bytes(b"IRN's labels")
    args = parse_args(["--preset", "smoke", "--list_dir", str(mine), "--syn_n_train", "4"])
    with pytest.raises(FileExistsError, match="--list_dir .*irn_voc12 exists and was not written by this project"):
        s00_prepare_data.run(args)
    assert (mine / "cls_labels.npy").read_bytes() == b"IRN's labels" and os.listdir(mine) == ["cls_labels.npy"]
