"""The review pages with 2,000 candidates, 1,000 on one class page, in headless Chromium: the
largest page opens with every card, a keypress on the last card marks it, the mark is stored
for every page, and the page holds no pixels (~250 bytes a card). The times at the paper's
scale (20,000 candidates) come from scripts/bench_review_pages.py (docs/mining_and_review.md)."""
import os
import sys

import pytest

from tests.conftest import ROOT
from tests.test_review_page import make_driver, needs_browser

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from bench_review_pages import measure  # noqa: E402

NUM, LARGEST = 2_000, 1_000


@needs_browser
@pytest.mark.slow
def test_largest_class_page_opens_and_marks(tmp_path):
    m = measure(tmp_path, NUM, LARGEST, make_driver)
    assert f"0 of {NUM} images" in m["status_open"] and f"of {LARGEST})" in m["status_open"]
    assert m["cards"] == LARGEST
    assert f"1 of {NUM} images" in m["status_marked"]
    assert m["marked"] and f"2 of {NUM} images" in m["status_second"]
    assert m["saved"] == [[f"ood_{LARGEST - 1:06d}", f"ood_{LARGEST // 2:06d}"]]  # stored: every page sees it
    assert m["page_mb"] * 1e6 / LARGEST < 500  # bytes a card: names and scores, no pixels
    assert m["index"].endswith("review.html")
