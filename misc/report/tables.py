"""Plain-text tables for stdout (every number shown is also written to JSON by the caller)."""


def format_table(header, rows, float_fmt="{:.1f}"):
    cells = [[str(h) for h in header]] + [
        [float_fmt.format(v) if isinstance(v, float) else ("-" if v is None else str(v)) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def mean_std(values):
    """'m ± s' over seeds (population std, as numpy's default); a single value as it is."""
    import numpy as np

    return f"{np.mean(values):.1f} ± {np.std(values):.1f}" if len(values) > 1 else f"{values[0]:.1f}"


def pct(value):
    return None if value is None else 100.0 * value


def summary(scores):
    """The Table 1 columns of a scores dict (misc/metrics.py)."""
    return {k: scores[k] for k in ("miou", "precision", "recall", "f1")}


def per_class_table(names, scores):
    pc = scores["per_class"]
    rows = [[n, pct(pc["iou"][i]), pct(pc["precision"][i]), pct(pc["recall"][i])] for i, n in enumerate(names)]
    rows.append(["mean", pct(scores["miou"]), pct(scores["precision"]), pct(scores["recall"])])
    return format_table(["class", "IoU", "Prec.", "Recall"], rows)
