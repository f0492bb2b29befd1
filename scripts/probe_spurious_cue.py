"""Does the classifier lean on context like a VOC classifier? (synthetic data set only)

Measures, for a trained classifier of a run (reads ground truth, so it is analysis, not method):
  (b) objects on neutral backgrounds: mean p(c) of their class, per class;
  (c) candidate-OoD pool by kind (from the sidecar): the share of context-only (hard) images
      with p(context's class) >= 0.5, and of unrelated (easy) images with max_c p(c) >= 0.5.
Writes result/<run>/<model>/spurious_cue_probe.json and prints a table.

    python scripts/probe_spurious_cue.py --preset synthetic [--cam_models baseline]
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from misc import io_utils  # noqa: E402
from misc.chain import layout  # noqa: E402
from misc.chain.rows import selected_rows  # noqa: E402
from misc.method.scoring import score_images  # noqa: E402
from misc.report.tables import format_table  # noqa: E402
from misc.torchutils import resolve_device  # noqa: E402
from net.factory import load_cam_net  # noqa: E402
from run_sample import parse_args  # noqa: E402
from voc12.generated.synthetic import CONTEXT_OF_CLASS, SIDECAR_NAME  # noqa: E402
from voc12.voc_lists import build_cls_labels, seg_list_path  # noqa: E402


def probe(args, model, device):
    names = io_utils.read_lines(args.class_names_file)
    net, _ = load_cam_net(layout.checkpoint_of(args, model), device)
    probe_ids = io_utils.read_lines(seg_list_path(args.voc12_root, "probe_neutral"))
    probe_labels = build_cls_labels(args.voc12_root, probe_ids, names, "mask")
    p, _, _ = score_images(net, probe_ids, layout.image_dir(args.voc12_root), device)
    neutral = {}
    for c, name in enumerate(names):
        rows = [i for i, image_id in enumerate(probe_ids) if probe_labels[image_id][c] == 1]
        neutral[name] = float(p[rows, c].mean()) if rows else None
    with open(os.path.join(args.ood_root, SIDECAR_NAME)) as f:
        sidecar = json.load(f)
    ood_ids = io_utils.read_lines(layout.candidate_list(args))
    q, _, _ = score_images(net, ood_ids, layout.image_dir(args.ood_root), device)
    class_of_context = {v: k for k, v in CONTEXT_OF_CLASS.items()}
    hard = {}
    for context, cls in class_of_context.items():
        rows = [i for i, image_id in enumerate(ood_ids) if sidecar[image_id]["kind"] == "hard" and sidecar[image_id]["contexts"] == [context]]
        hard[context] = {"class": cls, "n": len(rows),
                         "share_p_ge_0.5": float(np.mean(q[rows, names.index(cls)] >= 0.5)) if rows else None,
                         "mean_p": float(q[rows, names.index(cls)].mean()) if rows else None}
    easy_rows = [i for i, image_id in enumerate(ood_ids) if sidecar[image_id]["kind"] == "easy"]
    easy = {"n": len(easy_rows), "share_max_p_ge_0.5": float(np.mean(q[easy_rows].max(1) >= 0.5)),
            "mean_max_p": float(q[easy_rows].max(1).mean())}
    return {"model": model, "neutral_background_mean_p": neutral, "hard_ood": hard, "easy_ood": easy}


def main():
    args = parse_args()
    device = resolve_device(args.device)
    for model in selected_rows(args):
        result = probe(args, model, device)
        io_utils.save_json(os.path.join(layout.row_dir(args, model), "spurious_cue_probe.json"), result)
        rows = [[name, p] for name, p in result["neutral_background_mean_p"].items()]
        print(f"\n[{model}] (b) mean p(c) of objects on neutral backgrounds")
        print(format_table(["class", "mean p(c)"], rows, "{:.3f}"))
        rows = [[ctx, v["class"], v["n"], v["share_p_ge_0.5"], v["mean_p"]] for ctx, v in result["hard_ood"].items()]
        print(f"[{model}] (c) context-only (hard) OoD scored for the context's class")
        print(format_table(["context", "class", "n", "share p>=0.5", "mean p"], rows, "{:.3f}"))
        e = result["easy_ood"]
        print(f"[{model}] (c) unrelated (easy) OoD: n={e['n']}, share max p>=0.5: {e['share_max_p_ge_0.5']:.3f}, "
              f"mean max p: {e['mean_max_p']:.3f}")


if __name__ == "__main__":
    main()
