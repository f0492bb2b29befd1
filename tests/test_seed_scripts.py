"""The over-seeds scripts' bookkeeping: mean ± std by hand, the chain's rows, linked checkpoints."""
import os
import sys

from misc.report.tables import mean_std
from tests.conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import chain_seeds  # noqa: E402


def test_mean_std_is_the_population_std_by_hand():
    # mean 2, deviations -1, 0, 1: population variance 2/3, std 0.816...
    assert mean_std([1.0, 2.0, 3.0]) == "2.0 ± 0.8"
    assert mean_std([44.46]) == "44.5"


def seed_scores(fixed, best, mask=None, seg=None):
    scores = {"seed": {"fixed": {"miou": fixed, "precision": 0.5}, "best_by_gt": {"miou": best}}}
    if mask is not None:
        scores["mask"] = {"miou": mask}
        scores["seg"] = {"single": {"miou": seg}, "msf": {"miou": seg + 0.01}}
    return scores


def test_pick_and_markdown_average_each_row_over_seeds():
    runs = [{"wood": seed_scores(0.40, 0.45, 0.60, 0.50), "wood_advcam@300": seed_scores(0.30, 0.50)},
            {"wood": seed_scores(0.50, 0.55, 0.70, 0.60), "wood_advcam@300": seed_scores(0.40, 0.60)}]
    per_seed = [chain_seeds.pick(r) for r in runs]
    assert per_seed[0]["wood"]["mask"] == 60.0 and per_seed[1]["wood"]["seg_msf"] == 61.0
    assert "mask" not in per_seed[0]["wood_advcam@300"]  # AdvCAM rows stop at the seeds
    text = chain_seeds.markdown(per_seed, [0, 1], "cmd", 1.0)
    wood = next(line for line in text.splitlines() if line.startswith("| wood |"))
    # seed 45.0 ± 5.0, prec. 50.0 ± 0.0, best 50.0 ± 5.0, no CRF, mask 65.0 ± 5.0, single 55.0 ± 5.0, msf 56.0 ± 5.0
    assert wood == ("| wood | 45.0 ± 5.0 | 50.0 ± 0.0 | 50.0 ± 5.0 |  | 65.0 ± 5.0 | 55.0 ± 5.0 | 56.0 ± 5.0 |  |")
    advcam = next(line for line in text.splitlines() if line.startswith("| wood_advcam@300 |"))
    assert advcam.startswith("| wood_advcam@300 | 35.0 ± 5.0 |")


def test_seed_zero_is_the_default_run():
    assert chain_seeds.chain_run_name("synthetic", 0) == "synthetic"
    assert chain_seeds.chain_run_name("synthetic", 2) == "synthetic-s2"  # 'synthetic_' names the OoD pools
    from run_sample import parse_args

    parse_args(["--run_name", chain_seeds.chain_run_name("synthetic", 2) + "-advcam300"])  # an allowed name


def test_link_tree_links_checkpoints_without_copying(tmp_path):
    src = tmp_path / "sess" / "run"
    (src / "lists").mkdir(parents=True)
    (src / "cam_wood.pth").write_bytes(b"weights")
    (src / "lists" / "train.txt").write_text("a\nb\n")
    dst = tmp_path / "sess" / "run_advcam300"
    chain_seeds.link_tree(str(src), str(dst))
    assert (dst / "cam_wood.pth").read_bytes() == b"weights"
    assert os.stat(dst / "cam_wood.pth").st_ino == os.stat(src / "cam_wood.pth").st_ino
    assert (dst / "lists" / "train.txt").read_text() == "a\nb\n"
    chain_seeds.link_tree(str(src), str(dst))  # again: nothing to do, no error
