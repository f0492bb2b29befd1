"""Table 3 over several training seeds of the segmentation networks, on one run's pseudo-masks.

    python scripts/table3_seeds.py --seeds 0,1,2                  # the default run (synthetic)
    python scripts/table3_seeds.py --seeds 0,1,2 -- --run_name X  # another run; flags go to run_sample.py

Runs steps 11-12 (train_seg, eval_seg) once per seed with --seg_seed k: every row (baseline,
W-OoD, the fully supervised upper bound) is retrained from the same pseudo-masks with that seed
(its files carry a _seed<k> suffix, so the run's own networks are kept). Steps 0-10 must have
run. Prints and writes result/<run>/table3_seeds<seeds>.md: val mIoU, precision and recall of
each protocol, mean +- std over the seeds, and each row's mIoU as a share of the fully
supervised network's.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from misc import io_utils  # noqa: E402
from misc.chain import layout  # noqa: E402
from misc.chain.row_names import FULL_SUPERVISION  # noqa: E402
from misc.chain.rows import seg_rows  # noqa: E402
from misc.report.tables import mean_std, summary  # noqa: E402
from net.seg_inference import PROTOCOLS  # noqa: E402
from run_sample import main as run_sample_main  # noqa: E402
from run_sample import parse_args


def collect(args, seeds):
    """{row: {protocol: {metric: [value per seed]}}} in %."""
    table = {}
    for seed in seeds:
        args.seg_seed = seed
        for row in seg_rows(args):
            scores = json.load(open(layout.seg_eval(args, row)))
            for protocol in PROTOCOLS:
                if protocol not in scores:
                    continue
                s = summary(scores[protocol])
                cell = table.setdefault(row, {}).setdefault(protocol, {"miou": [], "precision": [], "recall": []})
                cell["miou"].append(100 * scores[protocol]["miou"])
                cell["precision"].append(100 * s["precision"])
                cell["recall"].append(100 * s["recall"])
    return table


def markdown(table, seeds, command, minutes):
    protocols = [p for p in PROTOCOLS if p in next(iter(table.values()))]
    head = "| row | " + " | ".join(f"{p} mIoU | {p} prec. | {p} recall" for p in protocols) + " |"
    lines = [f"Segmentation networks on the val images, seeds {seeds} (mean ± std, %): single scale, multi-scale "
             "+ flip (msf), msf + CRF.", "", head, "|---|" + "---|" * (3 * len(protocols))]
    for row, cells in table.items():
        lines.append(f"| {row} | " + " | ".join(f"{mean_std(cells[p]['miou'])} | {mean_std(cells[p]['precision'])} | "
                                              f"{mean_std(cells[p]['recall'])}" for p in protocols) + " |")
    if FULL_SUPERVISION in table:
        best = protocols[-1]
        full = np.mean(table[FULL_SUPERVISION][best]["miou"])
        lines += ["", f"Share of the fully supervised network's {best} mIoU ({full:.1f}): " + ", ".join(
            f"{row} {100 * np.mean(c[best]['miou']) / full:.0f}%" for row, c in table.items() if row != FULL_SUPERVISION)]
    lines += ["", f"Command: `{command}` ({minutes:.0f} min on this machine)."]
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("extra", nargs="*", help="after --: run_sample.py flags (--run_name, --preset, ...)")
    opts = p.parse_args()
    seeds = [int(s) for s in opts.seeds.split(",")]
    start = time.time()
    for seed in seeds:
        run_sample_main(opts.extra + ["--steps", "train_seg,eval_seg", "--seg_seed", str(seed)])
    args = parse_args(opts.extra)
    text = markdown(collect(args, seeds), seeds, "python scripts/table3_seeds.py " + " ".join(sys.argv[1:]),
                    (time.time() - start) / 60)
    io_utils.save_text(layout.result_file(args, f"table3_seeds{'-'.join(map(str, seeds))}.md"), text)
    print(text)


if __name__ == "__main__":
    main()
