"""The manual-pruning pages of step 2 (paper Sec. 3.1, "Manual pruning of positive samples").

Opens from the file system, no server: review.html (the index: per class, how many candidates
and how many marked, a link to the class's page, the export), one review_<nn>_<class>.html per
class with its kept candidates in score order, review.js and review_candidates.js (the behaviour
and the full candidate list, loaded by <script src>: file:// pages cannot fetch), and
thumbnails/ (JPEG files, misc/review/thumbnails.py). All in one folder: Firefox shares a file://
page's localStorage only with pages in its folder. Made for ~10,000 candidates: lazy images in
fixed boxes (no reflow while they load), one class per page.

The reviewer marks images that show a foreground object with the mouse (click) or the keyboard
(arrows to move, Space or X to mark, E to export). Progress lives in the browser's localStorage,
shared by all pages of the run, so a reload or another page keeps it. "Export decisions", on
any page, downloads `review_decisions.txt` with every class's candidates, which step 2 reads back:

    # comment lines start with '#'
    <id>\t<class>\tpositive|negative
"""
import hashlib
import html
import json
import os
import re

from misc import io_utils
from misc.chain.errors import BadInput, MissingInput
from misc.review.script import SCRIPT, STYLE
from misc.review.thumbnails import MAX_SIDE, make_thumbnails

DECISIONS = ("positive", "negative")
INDEX, SCRIPT_FILE, CANDIDATES_FILE = "review.html", "review.js", "review_candidates.js"
_CLASS_PAGE = re.compile(r"review_\d+_.*\.html$")


def by_class(candidates):
    """{class: [Candidate]} in the candidates' order (rank_candidates: class order, best first)."""
    groups = {}
    for cand in candidates:
        groups.setdefault(cand.class_name, []).append(cand)
    return groups


def class_page_name(number, class_name):
    return f"review_{number:02d}_{re.sub(r'[^A-Za-z0-9_-]', '_', class_name)}.html"


def candidate_digest(candidates):
    """Names the localStorage key: a new candidate list starts a fresh review."""
    return hashlib.sha1("".join(f"{c.image_id}{c.class_name}" for c in candidates).encode()).hexdigest()[:12]


def _page(title, body):
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE % {'box': MAX_SIDE}}</style></head><body>{body}"
            f'<script src="{CANDIDATES_FILE}"></script><script src="{SCRIPT_FILE}"></script></body></html>')


def _toolbar():
    return '<p><button id="export">Export decisions</button> <span id="status"></span></p>'


def build_index_page(run_name, pages, decisions_path):
    """review.html: instructions, the export, and per class its page, size and marks so far."""
    table = "".join(f'<tr><td><a href="{page}">{html.escape(name)}</a></td><td>{len(rows)}</td>'
                    f'<td data-marked-of="{html.escape(name)}">0</td></tr>' for name, page, rows in pages)
    body = (f"<h1>Hard-OoD review: {html.escape(run_name)}</h1>"
            "<p>Open each class below and mark every image that <b>shows an object of the class</b> (or of any "
            "class): click it, or move with the arrow keys and press Space or X. Unmarked images are kept as hard "
            "OoD. Your progress is saved in this browser and shared by all pages. When done, press <b>Export "
            f"decisions</b> (or E) on any page, save the file as <code>{html.escape(decisions_path)}</code>, "
            "and rerun step 2.</p>" + _toolbar() +
            f"<table><tr><th>class</th><th>candidates with p &ge; threshold</th><th>marked</th></tr>{table}</table>")
    return _page(f"W-OoD review: {run_name}", body)


def build_class_page(run_name, class_name, rows, thumbs, links):
    """One class's candidates, best first; `links`: [(label, page)] to the index and neighbours."""
    nav = " &middot; ".join(f'<a href="{page}">{html.escape(label)}</a>' for label, page in links)
    cards = "".join(
        f'<figure class="cand" tabindex="0" data-id="{html.escape(c.image_id)}">'
        f'<img src="{html.escape(thumbs[c.image_id])}" loading="lazy" width="{MAX_SIDE}" height="{MAX_SIDE}" alt="">'
        f"<figcaption>#{c.rank} {html.escape(c.image_id)} p={c.score:.3f}</figcaption></figure>" for c in rows)
    body = (f"<nav>{nav}</nav><h1>{html.escape(class_name)}: {len(rows)} candidates with p &ge; threshold</h1>"
            "<p>Mark every image that shows a foreground object: click, or arrows and Space / X. E exports the "
            "decisions of every class.</p>" + _toolbar() + f'<div class="grid">{cards}</div>')
    return _page(f"W-OoD review: {run_name}: {class_name}", body)


def candidates_script(run_name, candidates, pages):
    """review_candidates.js: the run, the digest and every class's ids, for marks and export."""
    data = {"run": run_name, "digest": candidate_digest(candidates),
            "classes": [{"name": name, "page": page, "ids": [c.image_id for c in rows]} for name, page, rows in pages]}
    return "window.WOOD_REVIEW = " + json.dumps(data) + ";\n"


def write_review_pages(out_dir, run_name, candidates, image_dir, decisions_path):
    """Write the review pages of `candidates` (ood_mining.Candidate) into `out_dir`; the index's path."""
    thumbs = make_thumbnails(out_dir, image_dir, [c.image_id for c in candidates])
    groups = by_class(candidates)
    pages = [(name, class_page_name(k, name), rows) for k, (name, rows) in enumerate(groups.items(), 1)]
    io_utils.save_text(os.path.join(out_dir, CANDIDATES_FILE), candidates_script(run_name, candidates, pages))
    io_utils.save_text(os.path.join(out_dir, SCRIPT_FILE), SCRIPT)
    for k, (name, page, rows) in enumerate(pages):
        links = [("all classes", INDEX)] + [(f"{label}: {pages[j][0]}", pages[j][1]) for label, j in
                                            (("previous", k - 1), ("next", k + 1)) if 0 <= j < len(pages)]
        io_utils.save_text(os.path.join(out_dir, page), build_class_page(run_name, name, rows, thumbs, links))
    for stale in set(filter(_CLASS_PAGE.match, os.listdir(out_dir))) - {page for _, page, _ in pages}:
        os.remove(os.path.join(out_dir, stale))  # a class (or a numbering) of an earlier build
    io_utils.save_text(os.path.join(out_dir, INDEX), build_index_page(run_name, pages, decisions_path))
    return os.path.join(out_dir, INDEX)


def read_decisions(path):
    """{id: "positive" | "negative"} from an exported decisions file; errors name file and line."""
    if not os.path.isfile(path):
        raise MissingInput(f"review decisions not found: {path}")
    decisions = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or parts[2] not in DECISIONS:
                raise BadInput(f"{path}, line {number}: expected '<id>\\t<class>\\tpositive|negative', got {line!r}")
            image_id, _, decision = parts
            # An image marked positive under any class is positive.
            if decisions.get(image_id) != "positive":
                decisions[image_id] = decision
    return decisions


def write_decisions(path, decisions_by_candidate, header):
    """Write [(id, class, decision)] in the page's export format."""
    io_utils.save_lines(path, [f"# {header}"] + [f"{i}\t{c}\t{d}" for i, c, d in decisions_by_candidate])
