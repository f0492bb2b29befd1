"""Nothing stale, nothing late: a foreign decisions file, a report over remade inputs, a damaged
per-image file, and mistakes that used to surface only after hours of training."""
import os

import numpy as np
import pytest
from PIL import Image

from misc import io_utils
from misc.chain.errors import BadInput
from tests.conftest import TINY, steps_only


def test_a_decisions_file_of_another_run_is_refused_naming_it(smoke_copy):
    from run_sample import main

    decisions = smoke_copy / "other_run_decisions.txt"
    decisions.write_text("# exported for another run\nood_99001\tbird\tnegative\nood_99002\tboat\tpositive\n")
    before_list = (smoke_copy / "WOoD_dataset/smoke/ood_list.txt").read_bytes()
    with pytest.raises(BadInput, match=r"other_run_decisions.txt holds decisions for 2 ids that are not candidates "
                                       r"of this run .*0 of its 2 ids match .*export again"):
        main([*TINY, "--steps", "2", "--ood_review", "manual", "--ood_review_decisions", str(decisions)])
    assert decisions.read_text().startswith("# exported for another run")
    assert (smoke_copy / "WOoD_dataset/smoke/ood_list.txt").read_bytes() == before_list
    # A file that covers every candidate and more (reviewed at a lower threshold) is this run's.
    candidates = [line.split("\t") for line in
                  (smoke_copy / "WOoD_dataset/smoke/candidates.tsv").read_text().splitlines()[1:]]
    superset = smoke_copy / "lower_threshold_decisions.txt"
    superset.write_text("".join(f"{i}\t{c}\tnegative\n" for i, c, *_ in candidates) + "ood_99001\tbird\tnegative\n")
    main([*TINY, "--steps", "2", "--ood_review", "manual", "--ood_review_decisions", str(superset)])
    assert len((smoke_copy / "WOoD_dataset/smoke/ood_list.txt").read_text().split()) == len({c[0] for c in candidates})


def test_an_empty_d_ood_is_an_error_at_step_2(smoke_copy):
    from run_sample import main

    candidates = [line.split("\t") for line in
                  (smoke_copy / "WOoD_dataset/smoke/candidates.tsv").read_text().splitlines()[1:]]
    decisions = smoke_copy / "all_positive.txt"
    decisions.write_text("".join(f"{i}\t{c}\tpositive\n" for i, c, *_ in candidates))
    with pytest.raises(BadInput, match="no hard OoD image: .* W-OoD needs D_ood"):
        main([*TINY, "--steps", "2", "--ood_review", "manual", "--ood_review_decisions", str(decisions)])


@pytest.mark.slow
def test_the_report_marks_figures_made_from_a_replaced_classifier(smoke_copy):
    from run_sample import main

    report = (smoke_copy / "result/smoke/report.md").read_text()
    assert "STALE" not in report  # a whole run: every figure current
    main([*TINY, "--steps", "1,14", "--cam_num_epoches", "1"])  # a new F_in, nothing after it remade
    report = (smoke_copy / "result/smoke/report.md").read_text()
    seed_part = report.split("## Seed quality")[1].split("## Pseudo-masks")[0]
    assert "STALE: made from inputs remade since: baseline (sess/smoke/cam_baseline.pth was remade after it)" \
           in seed_part
    assert "rerun the chain with the same flags to remake them" in seed_part
    assert "STALE" in report.split("## Pseudo-masks")[1].split("## Segmentation network")[0]
    assert "STALE" in report.split("## Segmentation network")[1]
    log = (smoke_copy / "result/smoke/log.txt").read_text()  # the end-of-run seed table too
    assert "STALE: made from inputs remade since: baseline" in log.split("seed quality of this run")[-1]
    main([*TINY, "--steps", "2-6,14", "--cam_num_epoches", "1"])  # remade: the seed table is current again
    report = (smoke_copy / "result/smoke/report.md").read_text()
    assert "STALE" not in report.split("## Seed quality")[1].split("## Pseudo-masks")[0]


def test_a_damaged_cam_file_is_remade_on_resume_not_taken_as_finished(smoke_copy):
    from run_sample import main

    folder = smoke_copy / "result/smoke/baseline/cam"
    path = folder / sorted(f for f in os.listdir(folder) if f.endswith(".npy"))[0]
    whole = path.read_bytes()
    path.write_bytes(whole[:len(whole) // 2])
    with pytest.raises(BadInput, match="cannot read CAM file .*rerun step 5 .make_cam.: it remakes damaged files"):
        io_utils.load_cam_dict(str(path))
    main([*TINY, *steps_only("make_cam_pass")])
    assert "1 .npy files are damaged" in (smoke_copy / "result/smoke/log.txt").read_text()
    assert path.read_bytes() == whole  # made again, the same bytes


def test_a_mask_of_another_size_stops_step_0(tmp_path):
    from voc12.voc_lists import check_mask_sizes

    for folder in ("JPEGImages", "SegmentationClass"):
        os.makedirs(tmp_path / folder)
    Image.fromarray(np.zeros((8, 10, 3), np.uint8)).save(tmp_path / "JPEGImages/a.jpg")
    Image.fromarray(np.zeros((8, 10), np.uint8)).save(tmp_path / "SegmentationClass/a.png")
    Image.fromarray(np.zeros((8, 10, 3), np.uint8)).save(tmp_path / "JPEGImages/b.jpg")
    Image.fromarray(np.zeros((10, 8), np.uint8)).save(tmp_path / "SegmentationClass/b.png")
    Image.fromarray(np.zeros((8, 10, 3), np.uint8)).save(tmp_path / "JPEGImages/c.jpg")  # no mask: skipped
    with pytest.raises(BadInput, match=r"1 ground-truth masks differ .*SegmentationClass/b.png is 8x10, its image 10x8"):
        check_mask_sizes(str(tmp_path), ["a", "b", "c"])
    check_mask_sizes(str(tmp_path), ["a", "c"])


def test_irns_batch_above_its_images_stops_step_0_before_training(in_tmp_dir):
    from run_sample import main

    tiny = ["--preset", "smoke", "--syn_n_train", "12", "--syn_n_val", "4", "--syn_n_probe_per_class", "1",
            "--syn_n_ood_hard", "2", "--syn_n_ood_easy", "2", "--syn_n_ood_positive", "1",
            "--backbone_pretrained", "false", "--cam_batch_size", "4", "--infer_num", "8"]
    with pytest.raises(BadInput, match=r"--irn_batch_size 16 is larger than IRN's training images .*8 images.*"
                                       r"training would take 0 steps"):
        main(tiny)
    assert not os.path.exists("sess/smoke/cam_baseline.pth")  # stopped at step 0, before F_in


def test_a_truncated_torch_file_is_summarised_and_never_to_be_deleted(tmp_path):
    import torch

    from misc.chain.checkpoints import load_torch_file

    path = tmp_path / "resnet50-0676ba61.pth"
    torch.save({"w": torch.zeros(3)}, path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(BadInput) as caught:
        load_torch_file(str(path), "ImageNet weights file")
    message = str(caught.value)
    assert "cannot read ImageNet weights file" in message and "resnet50-0676ba61.pth" in message
    assert "delete" not in message and "if you gave it, give a complete weights-only file" in message
    assert "\n" not in message


def test_the_batch_check_uses_each_steps_own_images(tmp_path):
    from argparse import Namespace

    from misc.chain.subsets import check_batches_fit

    train = tmp_path / "train.txt"
    train.write_text("".join(f"i{k}\n" for k in range(20)))
    args = Namespace(train_list=str(train), infer_list=str(train), in_num=8, subset_seed=0, infer_num=0,
                     cam_batch_size=16, irn_batch_size=16, seg_batch_size=16, irn_ids="infer", seg_ids="infer")
    check_batches_fit(args, ["train_cam", "train_irn", "train_seg"])  # F_in trains on all 20; --in_num is step 4's
    with pytest.raises(BadInput, match="--cam_batch_size 16 is larger than W-OoD's in-distribution images "
                                       r"\(--in_num\), 8 images"):
        check_batches_fit(args, ["train_wood"])


def test_a_weights_only_refusal_names_its_cause_in_one_line(tmp_path):
    import datetime

    import torch

    from misc.chain.checkpoints import load_torch_file

    path = tmp_path / "f_in.pth"
    torch.save({"when": datetime.date(2022, 6, 1)}, path)
    with pytest.raises(BadInput) as caught:
        load_torch_file(str(path), "classifier")
    message = str(caught.value)
    assert "WeightsUnpickler error" in message and "\x1b" not in message and "\n" not in message
    assert "weights_only=False" not in message  # torch's advice to load unsafely is not passed on


def test_a_recorded_input_that_is_gone_is_named_as_gone(tmp_path):
    from misc.chain import rerun

    source, out = tmp_path / "cams", tmp_path / "eval.json"
    source.mkdir()
    io_utils.save_json(str(source / rerun.STAMP), {"checkpoint": "abc"})
    io_utils.save_json(str(out), {"miou": 0.5})
    rerun.record(str(out), rerun.fingerprints({"cam": str(source)}))
    assert rerun.stale_reason(str(out)) is None
    io_utils.save_json(str(source / rerun.STAMP), {"checkpoint": "def"})
    assert rerun.stale_reason(str(out)) == f"{source} was remade after it"
    (source / rerun.STAMP).unlink()
    source.rmdir()
    assert rerun.stale_reason(str(out)) == f"{source} is gone"
