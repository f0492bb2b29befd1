"""Step 2: mine hard OoD images with F_in and a human in the loop (paper Sec. 3.1).

1. Score every candidate (`--ood_candidate_list`, images in `<ood_root>/JPEGImages`) with F_in.
2. Per class, rank by p(c) and keep p(c) >= `--ood_score_thres` (0.5); the rest are easy OoDs.
3. Write a review page; read the reviewer's decisions back (`--ood_review manual`), or let the
   synthetic set's simulated reviewer decide (`simulated`), or keep everything (`none`).
4. Write `--ood_list` (the hard-OoD set D_ood) and the positive rate r and cost n/(1-r).

Outputs in WOoD_dataset/<run>/: candidates.tsv, candidate_scores.npy, the review pages
(review.html, the index, with one review_<nn>_<class>.html per class, review.js,
review_candidates.js and thumbnails/), review_decisions*.txt, mining_report.json, and
`--ood_list` (default ood_list.txt there). Kept when made from the same F_in, candidates,
reviewer decisions and flags. An `--ood_list` that step 2 did not write (e.g. the official list)
is never replaced: use it with --mine_ood_pass false.

Scoring a pool of hundreds of thousands streams batch by batch and saves its rows in chunks
(candidate_scores.npy.partial/), so a killed run resumes where it stopped; complete scores made
from the same F_in, candidates, pool and --ood_score_size are reused (e.g. the rerun after a review).
"""
import logging
import os

from misc import io_utils
from misc.chain import layout, rerun
from misc.chain.amp import amp_record, set_amp
from misc.chain.errors import BadInput, UserError
from misc.method import resumable_scoring
from misc.method.ood_mining import positive_rate, rank_candidates, reviewer_cost, select_hard_ood, threshold_counts
from misc.report.tables import format_table
from misc.review.page import read_decisions, write_decisions, write_review_pages
from misc.torchutils import resolve_device
from net.factory import load_cam_net
from voc12.generated.simulated_reviewer import simulated_positives
from voc12.generated.synthetic import SIDECAR_NAME

log = logging.getLogger(__name__)


class ReviewPending(UserError, RuntimeError):
    """The manual review has not been exported yet; the message says what to do."""


MINING_FLAGS = ("ood_score_thres", "ood_review", "ood_num_max", "ood_per_class_max", "ood_score_size")


def made_from(args):
    inputs = {"f_in": args.cam_weights_name, "candidates": layout.candidate_list(args),
              "pool": layout.pool_content(args)}
    if args.ood_review == "manual":
        inputs["decisions"] = layout.review_decisions(args)
    if args.ood_review == "simulated":
        inputs["sidecar"] = os.path.join(args.ood_root, SIDECAR_NAME)
    return {**rerun.fingerprints(inputs), **{k: getattr(args, k) for k in MINING_FLAGS}, **amp_record(args)}


def scores_made_from(record, class_names, args):
    """What the candidate scores depend on (a part of the step's record): F_in, which candidates,
    their pixels, the scoring size; not the threshold or the review."""
    return {**{k: record[k] for k in ("f_in", "candidates", "pool")}, "class_names": class_names,
            "ood_score_size": args.ood_score_size, **amp_record(args)}


def candidate_scores(args, record, class_names, candidate_ids, image_dir):
    """(scores (M, C), scored ids, {id: error}): the saved ones when made from the same inputs,
    else scored with F_in, streamed and resumable (misc/method/resumable_scoring.py)."""
    path = layout.mining_file(args, "candidate_scores.npy")
    stamp = scores_made_from(record, class_names, args)
    if rerun.skip_file(path, stamp, args.overwrite, "candidate scores"):
        saved = io_utils.load_npy(path, "candidate scores")
        return saved["scores"], list(saved["ids"]), dict(saved.get("unreadable", {}))
    device = resolve_device(args.device)
    net, _ = load_cam_net(args.cam_weights_name, device)
    set_amp(net, args.amp)
    partial = resumable_scoring.partial_dir(path)
    scores, scored_ids, unreadable = resumable_scoring.score_resumably(
        net, candidate_ids, image_dir, device, args.ood_score_batch_size, args.ood_score_size, partial, stamp,
        args.overwrite, "score OoD candidates", args.num_workers)
    io_utils.save_npy(path, {"ids": scored_ids, "class_names": class_names, "scores": scores,
                             "unreadable": unreadable})
    rerun.record(path, stamp)
    resumable_scoring.discard(partial)  # after the complete scores: a kill before it resumes, loses nothing
    return scores, scored_ids, unreadable


def decisions_for(args, candidates, out_dir):
    """{id: "positive"|"negative"} for the reviewed candidates, by the chosen review mode."""
    ids = sorted({c.image_id for c in candidates})
    if args.ood_review == "none":
        return {i: "negative" for i in ids}
    if args.ood_review == "simulated":
        positives = simulated_positives(args.ood_root, ids)
        decisions = {i: ("positive" if i in positives else "negative") for i in ids}
        write_decisions(os.path.join(out_dir, "review_decisions_simulated.txt"),
                        [(c.image_id, c.class_name, decisions[c.image_id]) for c in candidates],
                        "simulated reviewer (reads the synthetic ground-truth sidecar)")
        return decisions
    path = layout.review_decisions(args)
    if not os.path.isfile(path):
        raise ReviewPending(
            f"manual review needed: open {os.path.join(out_dir, 'review.html')} in a browser, mark the images that "
            f"show a foreground object, press 'Export decisions', save the file as {path}, then rerun step 2 "
            f"(e.g. python run_sample.py ... --mine_ood_pass true, earlier steps skip finished work)")
    decisions = read_decisions(path)
    check_decisions_match(path, decisions, ids, out_dir)
    unreviewed = [i for i in ids if i not in decisions]
    if unreviewed:
        log.warning("%d candidates have no decision in %s and are left out of D_ood (first: %s)",
                    len(unreviewed), path, unreviewed[:3])
    return {i: decisions[i] for i in ids if i in decisions}


def check_decisions_match(path, decisions, ids, out_dir):
    """A decisions file belongs to this run when it covers this run's candidates. One whose ids
    miss this run's candidates and name others was exported for another run (another F_in, pool
    or threshold): used as is, it would leave D_ood empty or partial without a word. A file that
    covers every candidate and more (reviewed at a lower --ood_score_thres) is this run's."""
    candidates = set(ids)
    foreign = [i for i in decisions if i not in candidates]
    matched = len(decisions) - len(foreign)
    covered = candidates <= set(decisions)
    if foreign and not covered:
        raise BadInput(f"{path} holds decisions for {len(foreign)} ids that are not candidates of this run "
                       f"(first: {foreign[:3]}); {matched} of its {len(decisions)} ids match the {len(candidates)} "
                       f"candidates: it was exported for another run. Review this run's pages "
                       f"({os.path.join(out_dir, 'review.html')}) and export again, or give the right file with "
                       f"--ood_review_decisions")
    if foreign:
        log.info("%s: %d decisions for ids that are not candidates at this threshold are ignored", path, len(foreign))


def run(args):
    record = made_from(args)
    rerun.refuse_foreign(args, "ood_list", args.ood_list,
                         "to train on it, pass --mine_ood_pass false; to mine, give another --ood_list")
    if rerun.skip_file(args.ood_list, record, args.overwrite, "hard-OoD list"):
        return rerun.SKIPPED
    out_dir = layout.mining_dir(args)
    class_names = io_utils.read_lines(args.class_names_file, "class names")
    candidate_ids = io_utils.read_ids(layout.candidate_list(args), "candidate OoD list")
    image_dir = layout.ood_image_dir(args)
    scores, scored_ids, unreadable = candidate_scores(args, record, class_names, candidate_ids, image_dir)
    candidates = rank_candidates(scored_ids, scores, class_names, args.ood_score_thres)
    counts = threshold_counts(scores, class_names, args.ood_score_thres)
    io_utils.save_lines(os.path.join(out_dir, "candidates.tsv"), ["id\tclass\tscore\trank"] + [
        f"{c.image_id}\t{c.class_name}\t{c.score:.4f}\t{c.rank}" for c in candidates])
    write_review_pages(out_dir, args.run_name, candidates, image_dir, layout.review_decisions(args))

    decisions = decisions_for(args, candidates, out_dir)
    positives = {i for i, d in decisions.items() if d == "positive"}
    reviewed = [c for c in candidates if c.image_id in decisions]
    chosen = select_hard_ood(reviewed, positives, args.ood_per_class_max or None, args.ood_num_max or None)

    if not chosen:
        raise BadInput(f"no hard OoD image: {counts['kept_any_class']} of {len(candidate_ids)} candidates reach p(c) >= "
                       f"{args.ood_score_thres}, {len(decisions)} of them reviewed, {len(positives)} positive "
                       f"({os.path.join(out_dir, 'candidates.tsv')}); W-OoD needs D_ood: lower --ood_score_thres, "
                       f"give a larger pool, or check the review")
    r = positive_rate(len(decisions), len(positives)) if args.ood_review != "none" else None
    report = {
        "review": args.ood_review, "threshold": args.ood_score_thres, **counts,
        "unreadable": unreadable, "num_reviewed": len(decisions), "num_positive": len(positives),
        "positive_rate_r": r, "num_hard_ood": len(chosen),
        "reviewer_cost_n_over_1_minus_r": reviewer_cost(len(chosen), r) if r is not None else None,
        "per_class": {n: {"kept": counts["kept_per_class"][n],
                          "positive": len({c.image_id for c in candidates if c.class_name == n and c.image_id in positives}),
                          "in_ood_list": sum(c.class_name == n for c in chosen)} for n in class_names},
    }
    io_utils.save_json(os.path.join(out_dir, "mining_report.json"), report)
    io_utils.save_lines(args.ood_list, [c.image_id for c in chosen])
    rerun.record(args.ood_list, record)  # right after the list: a kill between them remakes the step
    rows = [[n, v["kept"], v["positive"], v["in_ood_list"]] for n, v in report["per_class"].items()]
    log.info("hard-OoD mining (%d candidates, %d unreadable, %d below %.2f for every class):\n%s",
             len(candidate_ids), len(unreadable), counts["removed_easy"], args.ood_score_thres,
             format_table(["class", "p>=thres", "positive", "in D_ood"], rows))
    log.info("D_ood: %d images -> %s; positive rate r = %s, reviewer cost n/(1-r) = %s", len(chosen), args.ood_list,
             "n/a" if r is None else f"{r:.3f}",
             "n/a" if r is None else f"{report['reviewer_cost_n_over_1_minus_r']:.1f}")
    if unreadable:
        log.warning("%d candidates could not be read and were skipped: %s", len(unreadable), sorted(unreadable)[:10])
