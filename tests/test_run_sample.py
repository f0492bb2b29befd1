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
    numbers = [module.split(".")[1][:3] for _, module in CHAIN]
    assert numbers == sorted(numbers)
