"""Headless matplotlib plots of a run: Fig. 6 (per-class delta), threshold sweeps, Fig. 7 (t-SNE)."""
import os

import numpy as np


def _pyplot():
    """matplotlib, headless; imported on first use (~1 s that a rerun with nothing to plot skips)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def per_class_iou_delta(class_names, iou_a, iou_b, name_a, name_b, path):
    """Fig. 6: per-class IoU of two runs and their difference, classes sorted by the gain."""
    iou_a, iou_b = 100 * np.nan_to_num(np.asarray(iou_a, float)), 100 * np.nan_to_num(np.asarray(iou_b, float))
    delta = iou_b - iou_a
    order = np.argsort(-delta)
    x = np.arange(len(order))
    fig, (top, bottom) = _pyplot().subplots(2, 1, figsize=(max(6, 0.5 * len(order)), 5), sharex=True)
    top.bar(x - 0.2, iou_a[order], 0.4, label=name_a)
    top.bar(x + 0.2, iou_b[order], 0.4, label=name_b)
    top.set_ylabel("IoU (%)")
    top.legend()
    bottom.bar(x, delta[order], color=["tab:green" if d >= 0 else "tab:red" for d in delta[order]])
    bottom.axhline(0, color="black", linewidth=0.8)
    bottom.set_ylabel(f"{name_b} - {name_a} (%p)")
    bottom.set_xticks(x, [class_names[i] for i in order], rotation=45, ha="right")
    return _save(fig, path)


def threshold_sweep(sweeps, path):
    """Seed mIoU / precision / recall against the background threshold, one line style per model.

    sweeps: {model: [{"threshold", "miou", "precision", "recall"}, ...]} (seed_eval.json's "sweep").
    """
    fig, ax = _pyplot().subplots(figsize=(6, 4))
    for (model, rows), style in zip(sweeps.items(), ("-", "--", ":", "-.")):
        t = [r["threshold"] for r in rows]
        for key, colour in (("miou", "black"), ("precision", "tab:blue"), ("recall", "tab:orange")):
            ax.plot(t, [100 * r[key] for r in rows], style, color=colour, label=f"{model} {key}")
    ax.set_xlabel("background threshold")
    ax.set_ylabel("%")
    ax.legend(fontsize=7, ncol=2)
    return _save(fig, path)


TSNE_MIN_POINTS = 8  # perplexity 2 (the least used below) needs a few more points than that


def feature_tsne(groups, path, seed=0):
    """Fig. 7: t-SNE of pooled features, one panel per classifier.

    groups: {panel title: {legend label: (N, D) features}}; all panels share the legend labels.
    """
    from sklearn.manifold import TSNE

    fig, axes = _pyplot().subplots(1, len(groups), figsize=(5 * len(groups), 4.5), squeeze=False)
    for ax, (title, sets) in zip(axes[0], groups.items()):
        feats = np.concatenate(list(sets.values()))
        perplexity = max(2, min(30, (len(feats) - 1) // 3))
        xy = TSNE(n_components=2, perplexity=perplexity, random_state=seed, init="pca").fit_transform(feats)
        start = 0
        for (label, f), marker in zip(sets.items(), ("o", "o", "x", "x")):
            ax.scatter(xy[start:start + len(f), 0], xy[start:start + len(f), 1], s=10, marker=marker, label=label)
            start += len(f)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=7)
    return _save(fig, path)
