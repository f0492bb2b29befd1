import hashlib
import json
import os

import numpy as np
import pytest

from voc12.generated import synthetic
from voc12.generated.synthetic import CONTEXT_OF_CLASS, SYNTHETIC_CLASSES, SyntheticConfig

TINY = dict(image_size=48, n_train=6, n_val=3, n_probe_per_class=1, n_ood_hard=3, n_ood_easy=3, n_ood_positive=2)


def digest_tree(root):
    h = hashlib.sha256()
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            h.update(name.encode())
            with open(os.path.join(folder, name), "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        synthetic.generate(SyntheticConfig(seed=seed, **TINY), str(tmp_path / name / "voc"), str(tmp_path / name / "ood"))
    assert digest_tree(tmp_path / "a") == digest_tree(tmp_path / "b")
    assert digest_tree(tmp_path / "a") != digest_tree(tmp_path / "c")


def test_masks_hold_the_drawn_classes_and_contexts_follow_their_class():
    cfg = SyntheticConfig(image_size=64, cooccurrence=1.0)
    rng = np.random.default_rng(0)
    for index in range(40):
        names = [SYNTHETIC_CLASSES[index % 6]]
        img, mask, contexts = synthetic.compose_image(rng, cfg, names)
        assert img.shape == (64, 64, 3) and mask.shape == (64, 64)
        assert set(np.unique(mask)) == {0, SYNTHETIC_CLASSES.index(names[0]) + 1}
        assert contexts == ([CONTEXT_OF_CLASS[names[0]]] if names[0] in CONTEXT_OF_CLASS else [])
    _, _, contexts = synthetic.compose_image(rng, SyntheticConfig(cooccurrence=0.0), ["train"])
    assert contexts == []


def test_ood_pool_kinds_and_sidecar(tmp_path):
    cfg = SyntheticConfig(seed=1, **TINY)
    synthetic.generate(cfg, str(tmp_path / "voc"), str(tmp_path / "ood"))
    sidecar = json.load(open(tmp_path / "ood" / synthetic.SIDECAR_NAME))
    kinds = [v["kind"] for v in sidecar.values()]
    assert sorted(kinds) == sorted(["hard"] * 3 + ["easy"] * 3 + ["positive"] * 2)
    for v in sidecar.values():
        assert bool(v["classes"]) == (v["kind"] == "positive")
        assert (len(v["contexts"]) == 1) if v["kind"] == "hard" else True
        assert v["contexts"] == [] if v["kind"] == "easy" else True
    assert os.path.isfile(tmp_path / "voc" / "contact_sheet.png")
    ids = open(tmp_path / "voc" / "ImageSets" / "Segmentation" / "train.txt").read().split()
    assert len(ids) == 6 and all(os.path.isfile(tmp_path / "voc" / "SegmentationClass" / f"{i}.png") for i in ids)


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="cooccurrence"):
        SyntheticConfig(cooccurrence=1.5).validate()
    with pytest.raises(ValueError, match="context_variation"):
        SyntheticConfig(context_variation=1.5).validate()


def test_context_variation_changes_only_the_contexts_look(tmp_path):
    """variation 0 draws nothing extra (the default set keeps its bytes); > 0 recolours the
    context region of a hard OoD and leaves the rows outside it as painted."""
    from voc12.generated.draw import paint_rail, vary_context

    plain, varied = (np.full((64, 64, 3), 128, np.uint8) for _ in range(2))
    line = paint_rail(np.random.default_rng(0), plain)
    paint_rail(np.random.default_rng(0), varied)
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    vary_context(rng, varied, "rail", line, 0.0)
    assert rng.bit_generator.state == state and np.array_equal(plain, varied)
    vary_context(rng, varied, "rail", line, 0.8)
    assert np.array_equal(plain[:line], varied[:line]) and not np.array_equal(plain[line:], varied[line:])
    # A folder made before the field existed holds the default: current for 0, not for 0.5.
    stored = synthetic.dataclasses.asdict(SyntheticConfig())
    del stored["context_variation"]
    (tmp_path / "synthetic_config.json").write_text(json.dumps(stored))
    assert synthetic._is_complete(str(tmp_path), SyntheticConfig())
    assert not synthetic._is_complete(str(tmp_path), SyntheticConfig(context_variation=0.5))


def test_step0_refuses_to_replace_a_tree_made_with_other_settings(in_tmp_dir):
    from run_sample import parse_args
    from step import s00_prepare_data

    base = ["--preset", "smoke", "--syn_n_train", "8", "--syn_n_val", "4", "--syn_n_probe_per_class", "1",
            "--syn_n_ood_hard", "2", "--syn_n_ood_easy", "2", "--syn_n_ood_positive", "1", "--steps", "0"]
    s00_prepare_data.run(parse_args(base))
    before = digest_tree("Data")
    with pytest.raises(FileExistsError, match="syn_seed|seed"):
        s00_prepare_data.run(parse_args(base + ["--syn_seed", "7"]))
    assert digest_tree("Data") == before  # nothing lost


@pytest.mark.parametrize("flag", ["--voc12_root", "--ood_root"])
def test_step0_never_generates_into_a_users_folder(in_tmp_dir, flag):
    from run_sample import parse_args
    from step import s00_prepare_data

    mine = in_tmp_dir / "my_voc"
    (mine / "ImageSets" / "Segmentation").mkdir(parents=True)
    (mine / "ImageSets" / "Segmentation" / "train.txt").write_text("2007_000032\n")
    (mine / "candidates.txt").write_text("my_own\n")
    before = digest_tree(str(mine))
    with pytest.raises(FileExistsError, match="my_voc is not empty.*--dataset voc"):
        s00_prepare_data.run(parse_args(["--preset", "smoke", flag, str(mine), "--syn_n_train", "4"]))
    assert digest_tree(str(mine)) == before


def test_more_classes_draw_every_class_and_write_their_names(tmp_path):
    cfg = SyntheticConfig(seed=2, num_classes=9, **{**TINY, "n_probe_per_class": 2})
    names = synthetic.class_names(cfg)
    assert names == SYNTHETIC_CLASSES + ("car", "pottedplant", "sofa")
    synthetic.generate(cfg, str(tmp_path / "voc"), str(tmp_path / "ood"))
    assert open(tmp_path / "voc" / "class_names.txt").read().split() == list(names)
    from misc.io_utils import load_label_png

    probe = [load_label_png(str(tmp_path / "voc" / "SegmentationClass" / f"probe_neutral_{i:05d}.png"))
             for i in range(2 * 9)]
    assert sorted({int(v) for m in probe for v in np.unique(m) if v}) == list(range(1, 10))  # class k is label k
    for split in ("train", "val"):
        for name in os.listdir(tmp_path / "voc" / "SegmentationClass"):
            if name.startswith(split):
                assert load_label_png(str(tmp_path / "voc" / "SegmentationClass" / name)).max() <= 9


def test_the_class_count_is_checked():
    from misc.chain.errors import BadInput

    assert synthetic.class_names(SyntheticConfig()) == SYNTHETIC_CLASSES  # the default set is the six
    with pytest.raises(BadInput, match="--syn_num_classes must be in 2..10, got 11"):
        SyntheticConfig(num_classes=11).validate()
