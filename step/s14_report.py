"""Step 14: one markdown report per run, result/<run>/report.md.

Gathers the resolved configuration, every step's wall time and metrics that exist on disk (F_in
and W-OoD training logs, the mining report, the seed tables) and links step 13's pictures. A
table whose rows were made from inputs remade since is marked stale (misc/chain/staleness.py).
"""
import json
import logging
import os

from misc import io_utils
from misc.chain import layout, rerun
from misc.chain.row_names import classifier_of
from misc.chain.rows import selected_rows
from misc.chain.staleness import stale_notes

log = logging.getLogger(__name__)
KEY_FLAGS = ("preset", "dataset", "backbone", "seed", "cam_num_epoches", "cam_learning_rate", "distance_form",
             "distance_lambda", "ood_dist_topk", "cluster_K", "ood_cluster", "cam_eval_thres", "ood_review",
             "cam_method", "infer_num", "adv_iter", "AD_coeff", "adv_map")


TABLE_TITLES = {
    "seed_table.txt": "Seed quality (Table 1 columns, %)",
    "table2.txt": "Pseudo-masks (Table 2 columns, mIoU %)",
    "table3.txt": "Segmentation network on the val images (Table 3, %): single scale, multi-scale + flip (msf), "
                  "msf + CRF",
}


def _json(path):
    return json.load(open(path)) if os.path.isfile(path) else None


def _fmt(value, digits):
    return "n/a" if value is None else f"{value:.{digits}f}"


def _last_jsonl(path):
    if not os.path.isfile(path):
        return None
    lines = [line for line in open(path) if line.strip()]
    return json.loads(lines[-1]) if lines else None


def build_report(args):
    lines = [f"# W-OoD run report: {args.run_name}", ""]
    config = _json(layout.result_file(args, "config.json")) or {}
    lines += ["## Configuration (key flags; all in config.json)", "", "| flag | value |", "|---|---|"]
    lines += [f"| `{k}` | {config.get(k)} |" for k in KEY_FLAGS if k in config] + [""]
    timings = _json(layout.result_file(args, "timings.json")) or {}
    memory = _json(layout.result_file(args, "memory.json")) or {}
    lines += ["## Wall time and peak memory per step", "",
              "| step | seconds | peak RSS (MB) | child processes' peak RSS (MB) | CUDA peak (MB) |",
              "|---|---|---|---|---|"]
    lines += [f"| {k} | {v} | {memory.get(k, {}).get('peak_rss_mb', '')} | "
              f"{memory.get(k, {}).get('children_peak_rss_mb', '')} | {memory.get(k, {}).get('cuda_peak_mb', '')} |"
              for k, v in timings.items()] + [""]
    rows = selected_rows(args)
    seed_costs = {m: t for m in rows if (t := _json(layout.seed_timing(args, m)))}
    if seed_costs:
        lines += ["## Seed cost (step 5, last images made)", "", "| row | method | images | s per image | device |",
                  "|---|---|---|---|---|"]
        lines += [f"| {m} | {t['method']} | {t['images']} | {t['seconds_per_image']} | {t['device']} |"
                  for m, t in seed_costs.items()] + [""]
    lines += ["## Classifier training (last epoch)", ""]
    for row in dict.fromkeys(classifier_of(m) for m in rows):
        record = _last_jsonl(layout.train_log(args, row))
        if record:
            lines.append(f"- **{row}**: " + ", ".join(f"{k} {v:.4g}" for k, v in record.items()))
    mining = _json(layout.mining_file(args, "mining_report.json"))
    if mining:
        lines += ["", "## Hard-OoD mining (step 2)", "",
                  f"{mining['num_candidates']} candidates, {len(mining['unreadable'])} unreadable, "
                  f"{mining['removed_easy']} below {mining['threshold']} for every class; review: {mining['review']}; "
                  f"|D_ood| = {mining['num_hard_ood']}, positive rate r = {_fmt(mining['positive_rate_r'], 3)}, "
                  f"reviewer cost n/(1-r) = {_fmt(mining['reviewer_cost_n_over_1_minus_r'], 1)}.", "",
                  "| class | p >= threshold | positive | in D_ood |", "|---|---|---|---|"]
        lines += [f"| {c} | {v['kept']} | {v['positive']} | {v['in_ood_list']} |" for c, v in mining["per_class"].items()]
    notes = stale_notes(args)
    for name, title in TABLE_TITLES.items():
        table = layout.result_file(args, name)
        if os.path.isfile(table):
            lines += ["", f"## {title}", ""] + ([f"**{notes[name]}**", ""] if name in notes else [])
            lines += ["```", open(table).read().rstrip(), "```"]
    vis_dir = layout.vis_dir(args)
    if os.path.isdir(vis_dir):
        pictures = sorted(f for f in os.listdir(vis_dir) if f.endswith(".png"))
        lines += ["", "## Pictures", ""]
        if "compare.png" in pictures:
            lines += ["Same images, one row per classifier: image, ground truth, CAM, seed (and IR label and "
                      "pseudo-mask when steps 7-9 ran):", "",
                      "![CAMs and seeds](vis/compare.png)", ""]
        lines += [f"- [{p}](vis/{p})" for p in pictures]
    return "\n".join(lines) + "\n"


def run(args):
    """Always rebuilt (it only reads small files); an unchanged report is not rewritten."""
    path = layout.result_file(args, "report.md")
    io_utils.save_text(path, build_report(args))
    log.info("report rebuilt from the files on disk (always redone, cheap): %s", path)
    return rerun.UNTIMED
