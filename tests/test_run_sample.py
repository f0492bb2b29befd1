import argparse

import pytest

from run_sample import CHAIN, parse_args, str2bool


@pytest.mark.parametrize("text,value", [("true", True), ("False", False), ("1", True), ("0", False), ("no", False)])
def test_booleans_parse_both_ways(text, value):
    assert str2bool(text) is value


def test_bad_boolean_is_refused():
    with pytest.raises(argparse.ArgumentTypeError, match="maybe"):
        str2bool("maybe")


def test_explicit_flag_beats_preset_and_step_switches_turn_off():
    args = parse_args(["--preset", "voc", "--cam_num_epoches", "2", "--train_cam_pass", "false"])
    assert args.cam_num_epoches == 2 and args.backbone == "resnet50" and args.cam_crop_size == 512
    assert args.train_cam_pass is False and args.make_cam_pass is True
    smoke = parse_args(["--preset", "smoke"])
    assert smoke.syn_image_size == 64 and smoke.run_name == "smoke"
    assert smoke.cam_weights_name.endswith("sess/smoke/cam_baseline.pth")


def test_chain_modules_are_in_step_order():
    numbers = [module.split(".")[1][:3] for _, _, module in CHAIN]
    assert numbers == sorted(numbers)


def test_rows_are_classifiers_times_seed_methods(tmp_path):
    from misc.layout import checkpoint_of
    from misc.run_models import classifier_of, seed_method_of, selected_models

    args = parse_args(["--cam_models", "baseline,wood", "--cam_method", "cam,advcam"])
    rows = selected_models(args)
    assert rows == ["baseline", "wood", "baseline_advcam", "wood_advcam"]  # Table 1's order
    assert [classifier_of(r) for r in rows] == ["baseline", "wood", "baseline", "wood"]
    assert [seed_method_of(r) for r in rows] == ["cam", "cam", "advcam", "advcam"]
    assert checkpoint_of(args, "wood_advcam") == checkpoint_of(args, "wood")
    with pytest.raises(ValueError, match="cam_method"):
        selected_models(parse_args(["--cam_models", "baseline", "--cam_method", "gradcam"]))
    with pytest.raises(ValueError, match="_advcam"):
        parse_args(["--wood_name", "mine_advcam"])


def test_infer_num_is_a_seeded_subset(tmp_path):
    from misc.subsets import infer_ids

    path = tmp_path / "infer.txt"
    path.write_text("\n".join(f"img{i:03d}" for i in range(50)) + "\n")
    args = parse_args(["--infer_list", str(path), "--infer_num", "7"])
    ids = infer_ids(args)
    assert len(ids) == 7 and ids == sorted(ids) and ids == infer_ids(args)
    assert len(infer_ids(parse_args(["--infer_list", str(path)]))) == 50