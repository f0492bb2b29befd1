"""The manual-pruning page of step 2 (paper Sec. 3.1, "Manual pruning of positive samples").

One self-contained HTML file (thumbnails inlined as base64, no server, opens from the file
system). Per class, the kept candidates in score order with their scores; the reviewer marks
images that show a foreground object with the mouse (click) or the keyboard (arrows to move,
Space or X to mark, E to export). Progress lives in the browser's localStorage, so a reload
keeps it. "Export decisions" downloads `review_decisions.txt`, which step 2 reads back:

    # comment lines start with '#'
    <id>\t<class>\tpositive|negative
"""
import base64
import hashlib
import html
import io
import json
import os

from PIL import Image

DECISIONS = ("positive", "negative")


def thumbnail_data_uri(path, max_side=160):
    with Image.open(path) as img:
        img = img.convert("RGB")
        img.thumbnail((max_side, max_side))
        buffer = io.BytesIO()
        img.save(buffer, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


_SCRIPT = r"""
const RUN = %(run)s, KEY = "wood-review:" + RUN + ":" + %(digest)s;
const state = JSON.parse(localStorage.getItem(KEY) || "{}");
const cards = Array.from(document.querySelectorAll(".cand"));
function render() {
  cards.forEach(el => el.classList.toggle("positive", !!state[el.dataset.id]));
  const ids = new Set(cards.map(el => el.dataset.id));
  const pos = Array.from(ids).filter(id => state[id]).length;
  document.getElementById("status").textContent =
    pos + " of " + ids.size + " images marked as containing a foreground object";
}
function toggle(id) {
  if (state[id]) { delete state[id]; } else { state[id] = true; }
  localStorage.setItem(KEY, JSON.stringify(state));
  render();
}
function exportDecisions() {
  const lines = ["# W-OoD review decisions, run " + RUN];
  cards.forEach(el => lines.push(el.dataset.id + "\t" + el.dataset.cls + "\t" +
                                 (state[el.dataset.id] ? "positive" : "negative")));
  const blob = new Blob([lines.join("\n") + "\n"], {type: "text/plain"});
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "review_decisions.txt";
  document.body.appendChild(a); a.click(); a.remove();
}
cards.forEach((el, i) => {
  el.addEventListener("click", () => { el.focus(); toggle(el.dataset.id); });
  el.addEventListener("keydown", ev => {
    if (ev.key === " " || ev.key === "x" || ev.key === "X") { toggle(el.dataset.id); ev.preventDefault(); }
    else if (ev.key === "ArrowRight" && i + 1 < cards.length) { cards[i + 1].focus(); ev.preventDefault(); }
    else if (ev.key === "ArrowLeft" && i > 0) { cards[i - 1].focus(); ev.preventDefault(); }
  });
});
document.addEventListener("keydown", ev => { if (ev.key === "e" || ev.key === "E") exportDecisions(); });
document.getElementById("export").addEventListener("click", exportDecisions);
render();
if (cards.length) cards[0].focus();
"""

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; }
.grid { display: flex; flex-wrap: wrap; gap: 8px; }
.cand { margin: 0; padding: 4px; border: 3px solid #ccc; cursor: pointer; text-align: center; }
.cand:focus { outline: 3px solid #1a73e8; }
.cand.positive { border-color: #d93025; background: #fce8e6; }
.cand.positive figcaption::after { content: " POSITIVE"; color: #d93025; font-weight: bold; }
figcaption { font-size: 11px; }
button { font-size: 1em; padding: 0.4em 1em; }
"""


def build_review_page(run_name, candidates, image_dir, decisions_path):
    """HTML text of the review page for `candidates` (a list of ood_mining.Candidate)."""
    thumbs, sections = {}, []
    by_class = {}
    for cand in candidates:
        by_class.setdefault(cand.class_name, []).append(cand)
    for class_name, rows in by_class.items():
        cards = []
        for cand in rows:
            if cand.image_id not in thumbs:
                thumbs[cand.image_id] = thumbnail_data_uri(os.path.join(image_dir, cand.image_id + ".jpg"))
            cards.append(
                f'<figure class="cand" tabindex="0" data-id="{html.escape(cand.image_id)}" '
                f'data-cls="{html.escape(class_name)}"><img src="{thumbs[cand.image_id]}" alt="">'
                f"<figcaption>#{cand.rank} {html.escape(cand.image_id)} p={cand.score:.3f}</figcaption></figure>")
        sections.append(f'<section><h2>{html.escape(class_name)}: {len(rows)} candidates with p &ge; threshold</h2>'
                        f'<div class="grid">{"".join(cards)}</div></section>')
    digest = hashlib.sha1("".join(f"{c.image_id}{c.class_name}" for c in candidates).encode()).hexdigest()[:12]
    script = _SCRIPT % {"run": json.dumps(run_name), "digest": json.dumps(digest)}
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>W-OoD review: {html.escape(run_name)}</title>'
            f"<style>{_STYLE}</style></head><body>"
            f"<h1>Hard-OoD review: {html.escape(run_name)}</h1>"
            "<p>Mark every image that <b>shows an object of the class</b> (or of any class): click it, or move with "
            "the arrow keys and press Space or X. Unmarked images are kept as hard OoD. Your progress is saved in "
            "this browser. When done, press <b>Export decisions</b> (or E), save the file as "
            f"<code>{html.escape(decisions_path)}</code>, and rerun step 2.</p>"
            '<p><button id="export">Export decisions</button> <span id="status"></span></p>'
            f"{''.join(sections)}<script>{script}</script></body></html>")


def read_decisions(path):
    """{id: "positive" | "negative"} from an exported decisions file; errors name file and line."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"review decisions not found: {path}")
    decisions = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or parts[2] not in DECISIONS:
                raise ValueError(f"{path}, line {number}: expected '<id>\\t<class>\\tpositive|negative', got {line!r}")
            image_id, _, decision = parts
            # An image marked positive under any class is positive.
            if decisions.get(image_id) != "positive":
                decisions[image_id] = decision
    return decisions


def write_decisions(path, decisions_by_candidate, header):
    """Write [(id, class, decision)] in the page's export format."""
    from misc.io_utils import save_lines

    save_lines(path, [f"# {header}"] + [f"{i}\t{c}\t{d}" for i, c, d in decisions_by_candidate])
