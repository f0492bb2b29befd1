import json
import os

import numpy as np
import pytest

from misc.method.ood_mining import positive_rate, rank_candidates, reviewer_cost, select_hard_ood, threshold_counts
from misc.review.page import read_decisions, write_decisions
from tests.conftest import steps_only

IDS = ["a", "b", "c", "d"]
NAMES = ["train", "boat"]
SCORES = np.array([[0.9, 0.1],   # a: train
                   [0.4, 0.3],   # b: easy for both
                   [0.6, 0.95],  # c: both, boat higher
                   [0.5, 0.2]])  # d: exactly at the threshold: kept


def test_rank_and_threshold_against_a_hand_table():
    kept = rank_candidates(IDS, SCORES, NAMES, 0.5)
    assert [(c.image_id, c.class_name, c.rank) for c in kept] == [
        ("a", "train", 1), ("c", "train", 2), ("d", "train", 3), ("c", "boat", 1)]
    counts = threshold_counts(SCORES, NAMES, 0.5)
    assert counts == {"num_candidates": 4, "kept_per_class": {"train": 3, "boat": 1}, "kept_any_class": 3,
                      "removed_easy": 1}


def test_selection_drops_positives_everywhere_counts_once_and_caps():
    kept = rank_candidates(IDS, SCORES, NAMES, 0.5)
    chosen = select_hard_ood(kept, positive_ids={"a"})
    assert [(c.image_id, c.class_name) for c in chosen] == [("c", "boat"), ("d", "train")]
    assert [c.image_id for c in select_hard_ood(kept, set(), per_class_max=1)] == ["c", "a"]
    assert [c.image_id for c in select_hard_ood(kept, set(), total_max=2)] == ["c", "a"]


def test_positive_rate_and_cost_formula():
    # Sec. 3.1: r = 0.2 -> the annotator checks 1.25 n images.
    assert positive_rate(10, 2) == pytest.approx(0.2)
    assert reviewer_cost(100, 0.2) == pytest.approx(125.0)
    assert positive_rate(0, 0) == 0.0
    with pytest.raises(ValueError):
        reviewer_cost(10, 1.0)


def test_decisions_round_trip(tmp_path):
    rows = [("a", "train", "positive"), ("c", "train", "negative"), ("c", "boat", "negative")]
    write_decisions(str(tmp_path / "d.txt"), rows, "test")
    assert read_decisions(str(tmp_path / "d.txt")) == {"a": "positive", "c": "negative"}


def test_step2_reports_an_unreadable_candidate_by_name(in_tmp_dir):
    from run_sample import main

    tiny = ["--preset", "smoke", "--syn_n_train", "24", "--syn_n_val", "8", "--syn_n_probe_per_class", "1",
            "--syn_n_ood_hard", "4", "--syn_n_ood_easy", "4", "--syn_n_ood_positive", "2",
            "--pretrain_num_images", "64"] + steps_only(
        "prepare_data_pass", "pretrain_backbone_pass", "train_cam_pass", "mine_ood_pass")
    main(tiny + steps_only("prepare_data_pass", "pretrain_backbone_pass", "train_cam_pass"))  # last flag wins
    broken = "WOoD_dataset/synthetic_smoke/JPEGImages/ood_00003.jpg"
    with open(broken, "wb") as f:
        f.write(b"not a jpeg")
    main(tiny + ["--prepare_data_pass", "false"])
    report = json.load(open("WOoD_dataset/smoke/mining_report.json"))
    assert list(report["unreadable"]) == ["ood_00003"] and "ood_00003.jpg" in report["unreadable"]["ood_00003"]
    assert report["num_candidates"] == 9  # 10 candidates, one unreadable: counted apart, not dropped
    assert os.path.isfile("WOoD_dataset/smoke/review.html") and os.path.isdir("WOoD_dataset/smoke/thumbnails")
    assert not os.path.exists("WOoD_dataset/smoke/candidate_scores.npy.partial")  # removed once complete


def test_manual_review_stops_with_instructions_until_decisions_exist(in_tmp_dir):
    from run_sample import main
    from step.s02_mine_hard_ood import ReviewPending

    tiny = ["--preset", "smoke", "--syn_n_train", "24", "--syn_n_val", "8", "--syn_n_probe_per_class", "1",
            "--syn_n_ood_hard", "4", "--syn_n_ood_easy", "4", "--syn_n_ood_positive", "2",
            "--pretrain_num_images", "64", "--ood_review", "manual", "--ood_score_thres", "0.0"] + steps_only(
        "prepare_data_pass", "pretrain_backbone_pass", "train_cam_pass", "mine_ood_pass")
    with pytest.raises(ReviewPending, match="review.html"):
        main(tiny)
    ids = open("WOoD_dataset/synthetic_smoke/candidates.txt").read().split()
    with open("WOoD_dataset/smoke/review_decisions.txt", "w") as f:
        f.write("".join(f"{i}\tbird\t{'positive' if k == 0 else 'negative'}\n" for k, i in enumerate(ids)))
    main(tiny + ["--prepare_data_pass", "false"])
    assert "candidate scores is current" in open("result/smoke/log.txt").read()  # the review's rerun: not rescored
    report = json.load(open("WOoD_dataset/smoke/mining_report.json"))
    assert report["num_positive"] == 1 and report["num_hard_ood"] == len(ids) - 1
    assert report["positive_rate_r"] == pytest.approx(1 / len(ids))
    assert ids[0] not in open("WOoD_dataset/smoke/ood_list.txt").read().split()


def test_step2_never_replaces_an_ood_list_it_did_not_write(in_tmp_dir):
    from run_sample import main

    official = in_tmp_dir / "official_ood_list.txt"
    official.write_text("ood_00001\nood_00002\n")
    tiny = ["--preset", "smoke", "--syn_n_train", "24", "--syn_n_val", "8", "--syn_n_probe_per_class", "1",
            "--syn_n_ood_hard", "4", "--syn_n_ood_easy", "4", "--syn_n_ood_positive", "2",
            "--pretrain_num_images", "64", "--ood_list", str(official), "--steps", "0-2"]
    with pytest.raises(FileExistsError, match="official_ood_list.txt exists and was not written by this project.*"
                                              "--mine_ood_pass false"):
        main(tiny)
    assert official.read_text() == "ood_00001\nood_00002\n"
