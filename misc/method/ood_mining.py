"""Hard-OoD mining arithmetic (paper Sec. 3.1): ranking, thresholding, decisions, cost.

Pure functions on score tables, so each rule is tested against a hand-made table.
"""
import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Candidate:
    image_id: str
    class_name: str
    score: float
    rank: int  # 1 = highest p(c) among the kept candidates of this class


def rank_candidates(ids, scores, class_names, threshold):
    """Per class, candidates with p(c) >= threshold in descending score order (Sec. 3.1).

    ids: N ids; scores: (N, C) sigmoid p(c). Ties keep the input order (stable sort).
    Returns a list of Candidate, grouped by class in class order.
    """
    scores = np.asarray(scores)
    if scores.shape != (len(ids), len(class_names)):
        raise ValueError(f"scores shape {scores.shape} does not match {len(ids)} ids x {len(class_names)} classes")
    kept = []
    for c, name in enumerate(class_names):
        order = np.argsort(-scores[:, c], kind="stable")
        rows = [i for i in order if scores[i, c] >= threshold]
        kept += [Candidate(ids[i], name, float(scores[i, c]), rank + 1) for rank, i in enumerate(rows)]
    return kept


def threshold_counts(scores, class_names, threshold):
    """How many candidates the threshold keeps per class, and how many it drops for every class."""
    scores = np.asarray(scores)
    above = scores >= threshold
    return {
        "num_candidates": int(len(scores)),
        "kept_per_class": {n: int(above[:, c].sum()) for c, n in enumerate(class_names)},
        "kept_any_class": int(above.any(1).sum()),
        "removed_easy": int((~above.any(1)).sum()),
    }


def positive_rate(num_reviewed, num_positive):
    """r: the share of positives among the reviewed images (Sec. 3.1)."""
    return num_positive / num_reviewed if num_reviewed else 0.0


def reviewer_cost(n, r):
    """Images a person checks on average to obtain n hard OoDs: n / (1 - r) (Sec. 3.1)."""
    if not 0.0 <= r < 1.0:
        raise ValueError(f"positive rate must be in [0, 1), got {r}")
    return n / (1.0 - r)


def select_hard_ood(candidates, positive_ids, per_class_max=None, total_max=None):
    """Final hard-OoD ids: candidates not marked positive, best rank first, capped.

    An image marked positive (it shows a foreground object) is dropped for every class. An image
    kept for several classes counts once, under the class where it ranks best. Caps: at most
    `per_class_max` images per class, then at most `total_max` overall (highest scores first).
    """
    positive_ids = set(positive_ids)
    best = {}
    for cand in candidates:
        if cand.image_id in positive_ids:
            continue
        if cand.image_id not in best or cand.score > best[cand.image_id].score:
            best[cand.image_id] = cand
    per_class = {}
    for cand in sorted(best.values(), key=lambda c: (c.class_name, c.rank)):
        per_class.setdefault(cand.class_name, []).append(cand)
    chosen = []
    for rows in per_class.values():
        chosen += rows[:per_class_max] if per_class_max else rows
    chosen.sort(key=lambda c: -c.score)
    if total_max:
        chosen = chosen[:total_max]
    return chosen
