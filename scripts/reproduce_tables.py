"""Reproduce the paper's seed tables on the synthetic data set, over several training seeds.

    python scripts/reproduce_tables.py --seeds 0,1,2 --groups core
    python scripts/reproduce_tables.py --seeds 0 --groups table4,fig5a,ood_kinds

Groups (every variant is W-OoD training from the same F_in of its seed; see misc/method/ablations.py):
  core       the baseline (a), the fine-tune control (F_in trained on, no OoD data), Table 5's
             columns (b)-(f), (f) being W-OoD with all terms, and (f) with Eq. 2 as written
             (--distance_form paper) beside the preset's form;
  main       only the control, (b) and (f): the quick check on another data set;
  control    only the fine-tune control (W-OoD (f) of the same seeds: chain_seeds.py);
  table4     P_ood by predicted class, and K-means at K = 10, 20, 70 (K = 50 is (f));
  lambda     when does L_d matter: W-OoD with the release's form at lambda 0.07 and 0.7 and with
             Eq. 2 as written at lambda 0.0007 and 0.00007 (the paper's 0.007 is in core);
  ld         when does L_d matter: (b) = BCE on D_ood without L_d at |D_ood| = 6 and 30
             (beside fig5a's (f) at the same sizes), tau = 5% and 50% (20% is (f)), lambda 0.07 and
             0.7 in the preset's (release) form (0.007 is (f)); the harder-context hypothesis is a
             data set flag: `--name varied --groups bf -- --syn_context_variation 0.6`;
  bf         Table 5's (b) and (f) alone: does L_d add anything on another data set;
  fig5a      |D_ood| = 6 (one per class), 30, 100 random hard OoDs (all of them is (f));
  wood       W-OoD (f) alone (with `-- --resize_kernel pil_bicubic`: the kernel's effect);
  details    the release's K-means (--kmeans release) and OoD features at long side 128 (the
             synthetic analogue of the release's 500 on VOC; --ood_feature_size), beside (f);
  ood_kinds  the same training with easy OoDs only, and with every candidate unmined (Sec. 3.1);
             these lists are built from the generator's sidecar (analysis, not method).
Each seed is its own run (result/<name>_s<seed>/...), all on one data set (Data/<name>). Writes
tables.md, results.json and per_class_delta.png (Fig. 6) to result/<name>/<groups>_seeds<seeds>/
and prints the tables.
Extra arguments after `--` go to every run_sample.py call.
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
from misc.method.ablations import CONTROL, TABLE5, TERMS, term_flags  # noqa: E402
from misc.report.tables import mean_std  # noqa: E402
from run_sample import main as run_sample_main  # noqa: E402
from run_sample import parse_args
from voc12.generated.synthetic import SIDECAR_NAME  # noqa: E402


def data_flags(name):
    """One data set for every seed's run: the one a run named `name` would generate."""
    args = parse_args(["--run_name", name])
    return ["--voc12_root", args.voc12_root, "--ood_root", args.ood_root]


def kind_list(run_name, kind):
    """The easy-only / unmined D_ood lists of the ood_kinds group, in their own mining folder."""
    return os.path.join(layout.mining_dir(parse_args(["--run_name", f"{run_name}_{kind}"])), "ood_list.txt")


def variants(group, run_dir_name):
    """[(name, flags)] of a group."""
    if group == "core":
        return ([("control", term_flags(CONTROL))] + [(f"t5_{k}", term_flags(v)) for k, v in TABLE5.items()]
                + [("t5_f_paper_form", term_flags(TERMS) + ["--distance_form", "paper"])])
    if group == "main":
        return [("control", term_flags(CONTROL)), ("t5_b", term_flags(TABLE5["b"])), ("t5_f", term_flags(TERMS))]
    if group == "table4":
        return ([("t4_predicted", term_flags(TERMS) + ["--ood_cluster", "predicted"])]
                + [(f"t4_K{k}", term_flags(TERMS) + ["--cluster_K", str(k)]) for k in (10, 20, 70)])
    if group == "lambda":
        return ([(f"lam_release_{lam:g}", term_flags(TERMS) + ["--distance_form", "release", "--distance_lambda", str(lam)])
                 for lam in (0.07, 0.7)]
                + [(f"lam_paper_{lam:g}", term_flags(TERMS) + ["--distance_form", "paper", "--distance_lambda", str(lam)])
                   for lam in (0.0007, 0.00007)])
    if group == "ld":
        return ([(f"ld_b_ood{n}", term_flags(TABLE5["b"]) + ["--ood_num", str(n)]) for n in (6, 30)]
                + [(f"ld_tau{round(100 * t)}", term_flags(TERMS) + ["--ood_dist_topk", str(t)]) for t in (0.05, 0.5)]
                + [(f"lam_release_{lam:g}", term_flags(TERMS) + ["--distance_lambda", str(lam)])
                   for lam in (0.07, 0.7)])
    if group == "control":
        return [("control", term_flags(CONTROL))]
    if group == "bf":
        return [("t5_b", term_flags(TABLE5["b"])), ("t5_f", term_flags(TERMS))]
    if group == "wood":
        return [("t5_f", term_flags(TERMS))]
    if group == "details":
        return [("kmeans_release", term_flags(TERMS) + ["--kmeans", "release"]),
                ("ood_feature_128", term_flags(TERMS) + ["--ood_feature_size", "128"])]
    if group == "fig5a":
        return [(f"f5_ood{n}", term_flags(TERMS) + ["--ood_num", str(n)]) for n in (6, 30, 100)]
    if group == "ood_kinds":
        return [(f"kind_{kind}", term_flags(TERMS) + ["--mine_ood_pass", "false", "--ood_list",
                                                      kind_list(run_dir_name, kind)])
                for kind in ("easy", "unmined")]
    raise ValueError(f"unknown group {group}")


def write_kind_lists(run_name, ood_root):
    """Easy-only and unmined candidate lists for the ood_kinds group (reads the sidecar)."""
    with open(os.path.join(ood_root, SIDECAR_NAME)) as f:
        sidecar = json.load(f)
    ids = io_utils.read_lines(os.path.join(ood_root, "candidates.txt"))
    io_utils.save_lines(kind_list(run_name, "easy"), [i for i in ids if sidecar[i]["kind"] == "easy"])
    io_utils.save_lines(kind_list(run_name, "unmined"), ids)


# The seed tables need steps 0-6 only; the CRF, IRN and picture steps would multiply the cost.
SEED_STEPS_ONLY = ["--eval_crf", "false", "--cam_to_ir_label_pass", "false", "--train_irn_pass", "false",
                   "--make_sem_seg_pass", "false", "--eval_sem_seg_pass", "false", "--train_seg_pass", "false",
                   "--eval_seg_pass", "false", "--vis_pass", "false", "--report_pass", "false"]


def run_seed(name, seed, groups, extra):
    run_name = f"{name}_s{seed}"
    data = data_flags(name)
    base = data + ["--seed", str(seed), "--run_name", run_name] + SEED_STEPS_ONLY + extra
    run_sample_main(base + ["--cam_models", "baseline"] + term_flags(()) + ["--cluster_pass", "false",
                                                                             "--train_wood_pass", "false"])
    if "ood_kinds" in groups:
        write_kind_lists(run_name, data[3])
    names, run_args = ["baseline"], parse_args(base)
    diverged = set()
    for group in groups:
        for name, flags in variants(group, run_name):
            names.append(name)
            try:
                run_sample_main(base + flags + ["--wood_name", name, "--cam_models", name, "--cluster_file",
                                                layout.named_cluster_file(run_args, name)])
            except FloatingPointError as err:  # a setting that diverges is a result, not the end of the table
                print(f"{name} (seed {seed}) diverged: {err}")
                diverged.add(name)
    return {name: (None if name in diverged else json.load(open(layout.seed_eval(run_args, name))))
            for name in names}


def aggregate(per_seed):
    """{variant: {metric: (mean, std)}} over seeds, fixed threshold and GT-chosen best."""
    table = {}
    for name in per_seed[0]:
        runs = [r[name] for r in per_seed if r.get(name) is not None]
        if not runs:
            table[name] = None  # diverged in every seed
            continue
        row = {k: [100 * r["fixed"][k] for r in runs] for k in ("miou", "precision", "recall", "f1")}
        row["best_miou"] = [100 * r["best_by_gt"]["miou"] for r in runs]
        row["seeds"] = len(runs)
        row["per_class_iou"] = np.mean([[100 * (v or 0.0) for v in r["fixed"]["per_class"]["iou"]] for r in runs], 0)
        table[name] = row
    return table


def markdown(table, class_names, seeds, command, minutes):
    lines = [f"Seeds {seeds}; seed quality on the synthetic train set (%, mean ± std over seeds). "
             f"Fixed threshold = --cam_eval_thres; 'best' = threshold chosen with ground truth.", "",
             "| variant | mIoU | Prec. | Recall | F1 | best mIoU (GT-chosen t) |", "|---|---|---|---|---|---|"]
    for name, row in table.items():
        if row is None:
            lines.append(f"| {name} | diverged (non-finite loss) | | | | |")
            continue
        lines.append(f"| {name} | {mean_std(row['miou'])} | {mean_std(row['precision'])} | {mean_std(row['recall'])} | "
                     f"{mean_std(row['f1'])} | {mean_std(row['best_miou'])} |")
    if "t5_f" in table:
        delta = table["t5_f"]["per_class_iou"] - table["baseline"]["per_class_iou"]
        order = np.argsort(-delta)
        lines += ["", "Per-class IoU, W-OoD (f) minus baseline (Fig. 6), fixed threshold:", "",
                  "| class | baseline | W-OoD | delta |", "|---|---|---|---|"]
        lines += [f"| {class_names[i]} | {table['baseline']['per_class_iou'][i]:.1f} | "
                  f"{table['t5_f']['per_class_iou'][i]:.1f} | {delta[i]:+.1f} |" for i in order]
    lines += ["", f"Command: `{command}` ({minutes:.0f} min on this machine)."]
    return "\n".join(lines) + "\n"


def plot_delta(table, class_names, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    delta = table["t5_f"]["per_class_iou"] - table["baseline"]["per_class_iou"]
    order = np.argsort(-delta)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar([class_names[i] for i in order], delta[order], color=["tab:green" if d >= 0 else "tab:red" for d in delta[order]])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("IoU gain (%p)")
    ax.set_title("W-OoD minus baseline, per class (cf. Fig. 6)")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--groups", default="core")
    parser.add_argument("--name", default="repro", help="names the data (Data/<name>), runs (<name>_s<seed>) and outputs")
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    groups = [g for g in args.groups.split(",") if g]
    start = time.time()
    out_dir = layout.reproduction_dir(args.name, groups, seeds)
    per_seed = [run_seed(args.name, seed, groups, extra) for seed in seeds]
    table = aggregate(per_seed)
    class_names = per_seed[0]["baseline"]["class_names"]
    command = "python scripts/reproduce_tables.py " + " ".join(sys.argv[1:])
    text = markdown(table, class_names, seeds, command, (time.time() - start) / 60)
    io_utils.save_text(os.path.join(out_dir, "tables.md"), text)
    io_utils.save_json(os.path.join(out_dir, "results.json"),
                       {name: (None if row is None else
                               {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in row.items()})
                        for name, row in table.items()})
    if "t5_f" in table:
        plot_delta(table, class_names, os.path.join(out_dir, "per_class_delta.png"))
    print(text)


if __name__ == "__main__":
    main()
