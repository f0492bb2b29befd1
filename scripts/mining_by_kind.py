"""What step 2 kept, by candidate kind (synthetic data set only; reads the ground-truth sidecar).

For each class: candidates with p(c) >= threshold split into hard (context only), easy
(unrelated) and positive (missed positives) images, and how many of each reached ood_list.txt;
overall: the share of hard candidates kept, of easy ones dropped, and of positives removed.

    python scripts/mining_by_kind.py --preset synthetic
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from misc import io_utils  # noqa: E402
from misc.chain import layout  # noqa: E402
from misc.report.tables import format_table  # noqa: E402
from run_sample import parse_args  # noqa: E402
from voc12.generated.synthetic import SIDECAR_NAME  # noqa: E402

KINDS = ("hard", "easy", "positive")


def main():
    args = parse_args()
    with open(os.path.join(args.ood_root, SIDECAR_NAME)) as f:
        kind_of = {i: v["kind"] for i, v in json.load(f).items()}
    rows = [line.split("\t") for line in io_utils.read_lines(layout.mining_file(args, "candidates.tsv"))[1:]]
    final = set(io_utils.read_lines(args.ood_list))
    table, summary = [], {}
    for name in io_utils.read_lines(args.class_names_file):
        ids = {r[0] for r in rows if r[1] == name}
        kept = [sum(kind_of[i] == k for i in ids) for k in KINDS]
        listed = [sum(kind_of[i] == k for i in ids & final) for k in KINDS]
        table.append([name] + kept + listed)
    kept_any = {r[0] for r in rows}
    for kind in KINDS:
        pool = {i for i, k in kind_of.items() if k == kind}
        summary[kind] = {"pool": len(pool), "above_threshold": len(pool & kept_any), "in_ood_list": len(pool & final)}
    header = ["class"] + [f"p>=t {k}" for k in KINDS] + [f"D_ood {k}" for k in KINDS]
    print(format_table(header, table))
    print(format_table(["kind", "pool", "p>=t for some class", "in D_ood"],
                       [[k, v["pool"], v["above_threshold"], v["in_ood_list"]] for k, v in summary.items()]))
    report = json.load(open(layout.mining_file(args, "mining_report.json")))
    print(f"positive rate r = {report['positive_rate_r']:.3f}, reviewer cost n/(1-r) = "
          f"{report['reviewer_cost_n_over_1_minus_r']:.1f} for n = {report['num_hard_ood']}")
    io_utils.save_json(layout.mining_file(args, "mining_by_kind.json"), {"per_class": table, "summary": summary})


if __name__ == "__main__":
    main()
