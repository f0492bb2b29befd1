"""Plain-text tables for stdout (every number shown is also written to JSON by the caller)."""


def format_table(header, rows, float_fmt="{:.1f}"):
    cells = [[str(h) for h in header]] + [
        [float_fmt.format(v) if isinstance(v, float) else ("-" if v is None else str(v)) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def pct(value):
    return None if value is None else 100.0 * value
