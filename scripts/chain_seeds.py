"""The whole chain over several training seeds: claims C8 (the gain survives IRN and Table 3's
network) and C9 (AdvCAM + W-OoD is the best seed) of the README's claims table.

    python scripts/chain_seeds.py --seeds 0,1,2                    # default preset, AdvCAM on 300 images
    python scripts/chain_seeds.py --seeds 1 --advcam_num 0 -- --X  # one seed, no AdvCAM; flags go to run_sample.py

Per seed k, on one data set (the default run's, Data/<name>):
1. the default chain, steps 0-14, as `run_sample.py --seed k` (seed 0 is the default run itself,
   result/<name>; seed k > 0 is result/<name>-s<k>): seeds, IR labels, IRN, pseudo-masks,
   Table 3's networks, all from this seed's pretraining, F_in and W-OoD;
2. with --advcam_num N > 0, AdvCAM seeds of W-OoD's classifier (Table 1's AdvCAM + W-OoD row)
   beside its CAM seeds on the same seeded N-image subset of the train images (AdvCAM costs ~55x
   CAM on a CPU), in a run of its own (<run>-advcam<N>) that links this seed's checkpoints, so
   the chain's 1,200-image outputs stay as they are.
Prints and writes result/<name>/chain_seeds<seeds>/tables.md and results.json: mean ± std over
the seeds of the seed, +CRF, pseudo-mask and Table 3 rows (and the AdvCAM rows).
"""
import argparse
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from reproduce_tables import SEED_STEPS_ONLY, data_flags  # noqa: E402

from misc import io_utils  # noqa: E402
from misc.chain import layout  # noqa: E402
from misc.report.tables import mean_std  # noqa: E402
from run_sample import main as run_sample_main  # noqa: E402
from run_sample import parse_args


def chain_run_name(name, seed):
    """Seed 0 is the default run itself; other seeds get their own run."""
    return name if seed == 0 else f"{name}-s{seed}"


def link_tree(src, dst):
    """dst: a copy of src made of hard links (checkpoints are read, never written in place)."""
    for folder, _, files in os.walk(src):
        target = os.path.join(dst, os.path.relpath(folder, src))
        os.makedirs(target, exist_ok=True)
        for f in files:
            if not os.path.exists(os.path.join(target, f)):
                os.link(os.path.join(folder, f), os.path.join(target, f))


def run_seed(name, seed, advcam_num, extra):
    """Runs (or finds current) the chain of one seed and its AdvCAM rows; returns their scores."""
    run_name = chain_run_name(name, seed)
    base = data_flags(name) + ["--seed", str(seed)] + extra
    run_sample_main(base + ["--run_name", run_name])
    args = parse_args(base + ["--run_name", run_name])
    wood = args.wood_name  # the W-OoD row's name (--wood_name)
    scores = {row: {"seed": json.load(open(layout.seed_eval(args, row))),
                    "mask": json.load(open(layout.mask_eval(args, row))),
                    "seg": json.load(open(layout.seg_eval(args, row)))} for row in ("baseline", wood)}
    if advcam_num > 0:
        adv_name = f"{run_name}-advcam{advcam_num}"
        link_tree(args.sess_dir, os.path.join(layout.SESS, adv_name))
        adv = base + ["--run_name", adv_name, "--cam_models", wood, "--cam_method", "cam,advcam",
                      "--infer_num", str(advcam_num), "--steps", "make_cam,eval_cam"] + SEED_STEPS_ONLY
        run_sample_main(adv)
        adv_args = parse_args(adv)
        for row in (wood, wood + "_advcam"):
            scores[f"{row}@{advcam_num}"] = {"seed": json.load(open(layout.seed_eval(adv_args, row)))}
    return scores


def pick(scores):
    """The table's numbers (%) of one seed's rows: {row: {column: value}}."""
    out = {}
    for row, s in scores.items():
        seed = s["seed"]
        cells = {"seed": seed["fixed"]["miou"], "seed_prec": seed["fixed"]["precision"],
                 "seed_best": seed["best_by_gt"]["miou"]}
        if "crf" in seed:
            cells["seed_crf"] = seed["crf"]["miou"]
        if "mask" in s:
            cells["mask"] = s["mask"]["miou"]
            cells.update({f"seg_{p}": s["seg"][p]["miou"] for p in ("single", "msf", "crf") if p in s["seg"]})
        out[row] = {k: 100 * v for k, v in cells.items()}
    return out


COLUMNS = [("seed", "seed mIoU (t fixed)"), ("seed_prec", "seed prec."), ("seed_best", "seed mIoU (GT-chosen t)"),
           ("seed_crf", "seed + CRF"), ("mask", "pseudo-mask (IRN)"), ("seg_single", "Table 3 single"),
           ("seg_msf", "Table 3 msf"), ("seg_crf", "Table 3 msf + CRF")]


def markdown(per_seed, seeds, command, minutes):
    rows = list(per_seed[0])
    lines = [f"Training seeds {seeds} (mean ± std, %). Seeds and masks on the train images (AdvCAM rows: the "
             "seeded subset named after @), Table 3 on val.", "",
             "| row | " + " | ".join(title for _, title in COLUMNS) + " |", "|---|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [mean_std([s[row][key] for s in per_seed]) if key in per_seed[0][row] else "" for key, _ in COLUMNS]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    lines += ["", "Per seed (seed mIoU / mask / Table 3 msf + CRF):", ""]
    for seed, s in zip(seeds, per_seed):
        lines.append(f"- seed {seed}: " + "; ".join(
            f"{row} {s[row]['seed']:.1f}" + (f" / {s[row]['mask']:.1f} / {s[row].get('seg_crf', float('nan')):.1f}"
                                             if "mask" in s[row] else "") for row in rows))
    lines += ["", f"Command: `{command}` ({minutes:.0f} min on this machine)."]
    return "\n".join(lines) + "\n"


def main():
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--name", default="synthetic", help="the default run's name: its data and seed 0's run")
    parser.add_argument("--advcam_num", type=int, default=300,
                        help="AdvCAM + W-OoD beside CAM + W-OoD on this many train images (0: no AdvCAM)")
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    start = time.time()
    per_seed = [pick(run_seed(args.name, seed, args.advcam_num, extra)) for seed in seeds]
    command = "python scripts/chain_seeds.py " + " ".join(sys.argv[1:])
    text = markdown(per_seed, seeds, command, (time.time() - start) / 60)
    out_dir = os.path.join(layout.RESULT, args.name, "chain_seeds" + "-".join(map(str, seeds)))
    io_utils.save_text(os.path.join(out_dir, "tables.md"), text)
    io_utils.save_json(os.path.join(out_dir, "results.json"), {str(k): s for k, s in zip(seeds, per_seed)})
    print(text)


if __name__ == "__main__":
    main()
