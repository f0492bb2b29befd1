"""The review pages' script and style (Sec. 3.1, manual pruning), written once as review.js.

One script for the index and every class page. The reviewer's marks live in localStorage under
one key per run and candidate list, shared by all pages (file:// pages of one folder share it in
Chromium and Firefox); each mark re-reads the key first, so two open pages never undo each
other, and an open page follows marks made in another (the storage event). The candidate list
(review_candidates.js, window.WOOD_REVIEW) lets any page export every class's decisions.
Made for ten thousand cards a page: one listener per page (event delegation), a mark updates
its own cards only.
"""

SCRIPT = r"""// W-OoD hard-OoD review (Sec. 3.1): marking, progress in localStorage, export.
(function () {
  const R = window.WOOD_REVIEW;
  const status = document.getElementById("status");
  if (!R) { status.textContent = "review_candidates.js is missing beside this page: rerun step 2"; return; }
  const KEY = "wood-review:" + R.run + ":" + R.digest;
  const load = () => JSON.parse(localStorage.getItem(KEY) || "{}");
  let state = load();
  const allIds = new Set();
  R.classes.forEach(c => c.ids.forEach(id => allIds.add(id)));
  const cards = Array.from(document.querySelectorAll(".cand"));
  const position = new Map(cards.map((el, i) => [el, i]));
  const cardsOf = new Map();
  cards.forEach(el => { const id = el.dataset.id; cardsOf.set(id, (cardsOf.get(id) || []).concat([el])); });
  const pageIds = Array.from(cardsOf.keys());
  const marked = ids => { let n = 0; ids.forEach(id => { if (state[id]) n++; }); return n; };

  function showCounts() {
    const here = cards.length ? " (this page: " + marked(pageIds) + " of " + pageIds.length + ")" : "";
    status.textContent = marked(allIds) + " of " + allIds.size +
      " images marked as containing a foreground object" + here;
    document.querySelectorAll("[data-marked-of]").forEach(el => {
      const cls = R.classes.find(c => c.name === el.dataset.markedOf);
      el.textContent = cls ? marked(cls.ids) : 0;
    });
  }
  function render() {
    cards.forEach(el => el.classList.toggle("positive", !!state[el.dataset.id]));
    showCounts();
  }
  function toggle(id) {
    state = load();  // another page may have marked since
    if (state[id]) { delete state[id]; } else { state[id] = true; }
    localStorage.setItem(KEY, JSON.stringify(state));
    (cardsOf.get(id) || []).forEach(el => el.classList.toggle("positive", !!state[id]));
    showCounts();
  }
  function exportDecisions() {
    state = load();
    const lines = ["# W-OoD review decisions, run " + R.run];
    R.classes.forEach(c => c.ids.forEach(id => lines.push(id + "\t" + c.name + "\t" +
                                                          (state[id] ? "positive" : "negative"))));
    const blob = new Blob([lines.join("\n") + "\n"], {type: "text/plain"});
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "review_decisions.txt";
    document.body.appendChild(a); a.click(); a.remove();
  }
  function columns() {  // cards in the first row: the step of ArrowUp / ArrowDown
    let n = 1;
    while (n < cards.length && cards[n].offsetTop === cards[0].offsetTop) n++;
    return n;
  }
  function move(i) {
    if (i >= 0 && i < cards.length) cards[i].focus();
  }
  document.addEventListener("click", ev => {
    const el = ev.target.closest && ev.target.closest(".cand");
    if (el) { el.focus(); toggle(el.dataset.id); }
  });
  document.addEventListener("keydown", ev => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "e" || ev.key === "E") { exportDecisions(); ev.preventDefault(); return; }
    const i = position.get(document.activeElement);
    if (i === undefined) return;
    const step = {ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns(), ArrowUp: -columns()}[ev.key];
    if (ev.key === " " || ev.key === "x" || ev.key === "X") { toggle(cards[i].dataset.id); ev.preventDefault(); }
    else if (step) { move(i + step); ev.preventDefault(); }
  });
  window.addEventListener("storage", ev => { if (ev.key === KEY) { state = load(); render(); } });
  document.getElementById("export").addEventListener("click", exportDecisions);
  render();
  if (cards.length) cards[0].focus();
})();
"""

STYLE = """
body { font-family: sans-serif; margin: 1.5em; }
nav { margin-bottom: 0.5em; }
.grid { display: flex; flex-wrap: wrap; gap: 8px; }
.cand { margin: 0; padding: 4px; border: 3px solid #ccc; cursor: pointer; text-align: center; width: %(box)dpx; }
.cand img { display: block; width: %(box)dpx; height: %(box)dpx; object-fit: contain; background: #eee; }
.cand:focus { outline: 3px solid #1a73e8; }
.cand.positive { border-color: #d93025; background: #fce8e6; }
.cand.positive figcaption::after { content: " POSITIVE"; color: #d93025; font-weight: bold; }
figcaption { font-size: 11px; height: 2.6em; overflow: hidden; overflow-wrap: anywhere; }
table { border-collapse: collapse; } td, th { padding: 0.2em 0.8em; text-align: left; }
button { font-size: 1em; padding: 0.4em 1em; }
"""
