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
    from misc.chain.layout import checkpoint_of
    from misc.chain.row_names import classifier_of, seed_method_of
    from misc.chain.rows import selected_rows

    args = parse_args(["--cam_models", "baseline,wood", "--cam_method", "cam,advcam"])
    rows = selected_rows(args)
    assert rows == ["baseline", "wood", "baseline_advcam", "wood_advcam"]  # Table 1's order
    assert [classifier_of(r) for r in rows] == ["baseline", "wood", "baseline", "wood"]
    assert [seed_method_of(r) for r in rows] == ["cam", "cam", "advcam", "advcam"]
    assert checkpoint_of(args, "wood_advcam") == checkpoint_of(args, "wood")
    with pytest.raises(ValueError, match="cam_method"):
        selected_rows(parse_args(["--cam_models", "baseline", "--cam_method", "gradcam"]))
    with pytest.raises(ValueError, match="_advcam"):
        parse_args(["--wood_name", "mine_advcam"])


def test_infer_num_is_a_seeded_subset(tmp_path):
    from misc.chain.subsets import infer_ids

    path = tmp_path / "infer.txt"
    path.write_text("\n".join(f"img{i:03d}" for i in range(50)) + "\n")
    args = parse_args(["--infer_list", str(path), "--infer_num", "7"])
    ids = infer_ids(args)
    assert len(ids) == 7 and ids == sorted(ids) and ids == infer_ids(args)
    assert len(infer_ids(parse_args(["--infer_list", str(path)]))) == 50

def test_overwrite_takes_steps_by_name_or_number():
    from run_sample import STEP_NAMES

    assert parse_args([]).overwrite == ()
    every = parse_args(["--overwrite", "true"]).overwrite
    assert "train_cam" in every and "prepare_data" not in every and "pretrain_backbone" not in every
    assert parse_args(["--overwrite", "all"]).overwrite == tuple(STEP_NAMES)
    assert parse_args(["--overwrite", "train_wood,5"]).overwrite == ("train_wood", "make_cam")
    with pytest.raises(SystemExit):
        parse_args(["--overwrite", "train_wod"])


def test_steps_and_from_select_steps_beside_the_pass_switches():
    from run_sample import selected_steps

    names = lambda argv: [n for n, _ in selected_steps(parse_args(argv))]  # noqa: E731
    assert names(["--steps", "4-6"]) == ["train_wood", "make_cam", "eval_cam"]
    assert names(["--steps", "0-1,report"]) == ["prepare_data", "pretrain_backbone", "train_cam", "report"]
    assert names(["--from", "10"]) == ["eval_sem_seg", "train_seg", "eval_seg", "vis", "report"]
    assert names(["--from", "make_cam", "--vis_pass", "false"])[:2] == ["make_cam", "eval_cam"]
    assert "vis" not in names(["--from", "make_cam", "--vis_pass", "false"])
    with pytest.raises(SystemExit):
        parse_args(["--steps", "6-4"])


def test_every_flag_has_help_showing_each_presets_value(capsys):
    from run_sample import get_args_parser

    parser = get_args_parser()
    assert [a.dest for a in parser._actions if not a.help] == []
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--cam_num_epoches" in text and "(default: 6; coco: 5, smoke: 2, voc: 5)" in text


def test_a_preset_key_that_is_not_a_flag_is_an_error(monkeypatch):
    import run_sample

    monkeypatch.setitem(run_sample.PRESETS, "smoke", {**run_sample.PRESETS["smoke"], "cam_num_epochs": 3})
    with pytest.raises(ValueError, match="unknown flags: \\['cam_num_epochs'\\]"):
        parse_args(["--preset", "smoke"])


@pytest.mark.parametrize("flag,value", [("--wood_name", "../../escape"), ("--run_name", "a/b"), ("--run_name", "..")])
def test_names_stay_inside_the_run_folders(flag, value):
    with pytest.raises(ValueError, match="a name, not a path"):
        parse_args([flag, value])


@pytest.mark.parametrize("argv,named", [
    (["--cam_eval_thres", "1.5"], "argument --cam_eval_thres: 1.5: must lie in [0, 1]"),
    (["--ood_score_thres", "-0.1"], "argument --ood_score_thres: -0.1: must lie in [0, 1]"),
    (["--distance_lambda", "-0.007"], "argument --distance_lambda: -0.007: must not be negative"),
    (["--exp_times", "-1"], "argument --exp_times: -1: must not be negative"),
    (["--cam_scales", "1.0,0"], "argument --cam_scales: 1.0,0: takes a comma list of positive numbers"),
    (["--conf_fg_thres", "0.1", "--conf_bg_thres", "0.2"], "--conf_fg_thres 0.1 must be above --conf_bg_thres 0.2"),
    (["--cluster_K", "0"], "argument --cluster_K: 0: must be at least 1"),
    (["--ood_dist_topk", "0"], "argument --ood_dist_topk: 0: must lie in (0, 1]"),
    (["--cam_resize_long", "640,320"], "argument --cam_resize_long: 640,320: takes min,max"),
    (["--cam_num_epoches", "0"], "argument --cam_num_epoches: 0: must be at least 1"),
    (["--seg_batch_size", "0"], "argument --seg_batch_size: 0: must be at least 1"),
    (["--ood_score_size", "0"], "argument --ood_score_size: 0: must be at least 1"),
    (["--syn_context_variation", "1.5"], "argument --syn_context_variation: 1.5: must lie in [0, 1]"),
    (["--irn_crop_size", "30"], "argument --irn_crop_size: 30: must be a positive multiple of 4"),
    (["--cluster_K", "five"], "argument --cluster_K: 'five' is not an integer"),
])
def test_bad_flags_are_refused_at_parse_time_naming_the_flag(argv, named, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert named in capsys.readouterr().err


def test_the_voc_preset_takes_l_d_in_the_form_its_lambda_was_set_for():
    assert parse_args(["--preset", "voc"]).distance_form == "release"
    assert parse_args(["--preset", "voc", "--distance_form", "paper"]).distance_form == "paper"
    assert parse_args(["--preset", "voc"]).distance_lambda == 0.007


def test_every_numeric_flag_declares_its_range():
    """A numeric flag's type is one of misc/chain/cli.py's ranged types (a plain int or float would
    take any value)."""
    from misc.chain.flags import get_args_parser

    plain = [a.dest for a in get_args_parser()._actions
             if a.type in (int, float) or (a.type is None and isinstance(a.default, (int, float))
                                           and not isinstance(a.default, bool))]
    assert not plain, f"numeric flags without a range: {plain}"
    ranged = [a for a in get_args_parser()._actions if hasattr(a.type, "rule")]
    assert len(ranged) > 70


def test_a_preset_value_outside_its_flags_range_is_an_error(monkeypatch):
    import run_sample

    monkeypatch.setitem(run_sample.PRESETS, "smoke", {**run_sample.PRESETS["smoke"], "irn_crop_size": 30})
    with pytest.raises(ValueError, match="preset 'smoke': --irn_crop_size 30: must be a positive multiple of 4"):
        parse_args(["--preset", "smoke"])


def test_a_global_batch_that_does_not_divide_by_the_ranks_stops_at_parse_time(monkeypatch, capsys):
    monkeypatch.setenv("WORLD_SIZE", "3")
    with pytest.raises(SystemExit):
        parse_args(["--preset", "voc"])  # cam_batch_size 16 on 3 ranks
    err = capsys.readouterr().err
    assert "--cam_batch_size 16 is a global batch and must divide by the 3 ranks of this torchrun; give a " \
           "multiple of 3 (e.g. 15)" in err
    for ranks in ("1", "2", "4", "8"):  # Table 3's batch of 10 is shared unevenly where it must (3, 3, 2, 2)
        monkeypatch.setenv("WORLD_SIZE", ranks)
        assert parse_args(["--preset", "voc"]).seg_batch_size == 10
    monkeypatch.setenv("WORLD_SIZE", "8")
    with pytest.raises(SystemExit):
        parse_args(["--preset", "voc", "--seg_accumulate", "2"])  # micro-batches of 5 on 8 ranks
    assert "fewer images than the 8 ranks" in capsys.readouterr().err
