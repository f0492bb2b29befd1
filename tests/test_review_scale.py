"""The review pages at the paper's scale (Sec. 3.1: 5,190 hard OoDs kept after a review of more):
20,000 candidates, 10,000 of them on one class page, in headless Chromium. Times the build (and
the rebuild, which reuses every thumbnail), the opening of the largest page and a keypress's
mark, with generous bounds; the page's size keeps pixels out of it (inlined base64 thumbnails
made the one-page version 20 MB even for these 32 px images)."""
import time

import pytest
from PIL import Image

from misc.ood_mining import Candidate
from misc.review_page import write_review_pages
from tests.test_review_page import make_driver, needs_browser

NUM, LARGEST = 20_000, 10_000
CLASSES = ["person"] + [f"class{k:02d}" for k in range(1, 20)]


def pool_of(folder):
    """NUM 32x32 JPEGs and their candidates: half in the first class, the rest spread."""
    folder.mkdir()
    rows = {}
    for i in range(NUM):
        image_id = f"ood_{i:06d}"
        Image.new("RGB", (32, 32), (i % 251, (i // 251) % 251, 128)).save(folder / f"{image_id}.jpg", quality=75)
        name = CLASSES[0] if i < LARGEST else CLASSES[1 + i % 19]
        rows.setdefault(name, []).append(image_id)
    return [Candidate(image_id, name, 0.99 - rank * 1e-5, rank + 1)
            for name in CLASSES for rank, image_id in enumerate(rows[name])]


@needs_browser
@pytest.mark.slow
def test_largest_class_page_opens_and_marks_fast(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    candidates = pool_of(tmp_path / "JPEGImages")
    start = time.perf_counter()
    index = write_review_pages(str(tmp_path / "site"), "t", candidates, str(tmp_path / "JPEGImages"), "d.txt")
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    write_review_pages(str(tmp_path / "site"), "t", candidates, str(tmp_path / "JPEGImages"), "d.txt")
    rebuild_s = time.perf_counter() - start  # every thumbnail reused
    page_mb = (tmp_path / "site" / "review_01_person.html").stat().st_size / 1e6  # ~250 bytes a card, no pixels

    driver = make_driver(tmp_path / "downloads")
    try:
        start = time.perf_counter()
        driver.get(f"file://{tmp_path / 'site' / 'review_01_person.html'}")  # returns after the load event
        status = driver.find_element(By.ID, "status")
        open_s = time.perf_counter() - start
        assert "0 of 20000 images" in status.text and f"of {LARGEST})" in status.text
        cards = driver.find_elements(By.CSS_SELECTOR, ".cand")
        assert len(cards) == LARGEST
        driver.execute_script("arguments[0].focus()", cards[LARGEST - 1])  # the last card, far below the fold
        start = time.perf_counter()
        driver.switch_to.active_element.send_keys("x")
        WebDriverWait(driver, 10, poll_frequency=0.01).until(
            lambda d: "positive" in cards[LARGEST - 1].get_attribute("class"))
        key_s = time.perf_counter() - start
        assert "1 of 20000 images" in status.text
        in_page_ms, took = driver.execute_script(  # the handler alone, without WebDriver's round trips
            "const el = document.querySelectorAll('.cand')[arguments[0]]; el.focus(); const t = performance.now();"
            "el.dispatchEvent(new KeyboardEvent('keydown', {key: 'x', bubbles: true}));"
            "return [performance.now() - t, el.classList.contains('positive')];", LARGEST // 2)
        assert took and "2 of 20000 images" in status.text
        saved = driver.execute_script("return Object.entries(localStorage).filter(([k]) => "
                                      "k.startsWith('wood-review:t:')).map(([k, v]) => Object.keys(JSON.parse(v)))")
        assert saved == [[f"ood_{LARGEST - 1:06d}", f"ood_{LARGEST // 2:06d}"]]  # stored: every page sees it
    finally:
        driver.quit()
    print(f"\n20k candidates: build {build_s:.1f} s, rebuild {rebuild_s:.1f} s, open {open_s:.2f} s, "
          f"keypress {key_s * 1000:.0f} ms (in the page {in_page_ms:.1f} ms), page {page_mb:.1f} MB")
    assert page_mb < 5 and build_s < 120 and rebuild_s < 15
    assert open_s < 10 and key_s < 2 and in_page_ms < 100
    assert index.endswith("review.html")
