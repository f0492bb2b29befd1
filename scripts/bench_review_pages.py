"""The review pages at the paper's scale (Sec. 3.1: 5,190 hard OoDs kept after a review of more):
builds the pages for NUM synthetic candidates, half of them on one class page, opens the largest
page in headless Chromium and marks a card by keypress; prints one table row of times.

    python scripts/bench_review_pages.py                 # 20,000 candidates, 10,000 on one page
    python scripts/bench_review_pages.py --num 2000

tests/test_review_scale.py runs the same at 2,000 candidates and checks what the page does (not
its times). The page's size keeps pixels out of it (inlined base64 thumbnails made the one-page
version 20 MB even for these 32 px images)."""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from misc.method.ood_mining import Candidate  # noqa: E402
from misc.review.page import write_review_pages  # noqa: E402

CLASSES = ["person"] + [f"class{k:02d}" for k in range(1, 20)]


def pool_of(folder, num, largest):
    """`num` 32x32 JPEGs and their candidates: `largest` in the first class, the rest spread."""
    folder.mkdir()
    rows = {}
    for i in range(num):
        image_id = f"ood_{i:06d}"
        Image.new("RGB", (32, 32), (i % 251, (i // 251) % 251, 128)).save(folder / f"{image_id}.jpg", quality=75)
        name = CLASSES[0] if i < largest else CLASSES[1 + i % 19]
        rows.setdefault(name, []).append(image_id)
    return [Candidate(image_id, name, 0.99 - rank * 1e-5, rank + 1)
            for name in CLASSES for rank, image_id in enumerate(rows[name])]


def measure(tmp_path, num, largest, make_driver):
    """Build, rebuild, open the largest page, mark its last card by keypress and one by an in-page
    event; returns the times, the page's size and what the page showed (for the test's checks)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    tmp_path = Path(tmp_path)
    candidates = pool_of(tmp_path / "JPEGImages", num, largest)
    start = time.perf_counter()
    index = write_review_pages(str(tmp_path / "site"), "t", candidates, str(tmp_path / "JPEGImages"), "d.txt")
    out = {"index": index, "build_s": time.perf_counter() - start}
    start = time.perf_counter()
    write_review_pages(str(tmp_path / "site"), "t", candidates, str(tmp_path / "JPEGImages"), "d.txt")
    out["rebuild_s"] = time.perf_counter() - start  # every thumbnail reused
    out["page_mb"] = (tmp_path / "site" / "review_01_person.html").stat().st_size / 1e6

    driver = make_driver(tmp_path / "downloads")
    try:
        start = time.perf_counter()
        driver.get(f"file://{tmp_path / 'site' / 'review_01_person.html'}")  # returns after the load event
        status = driver.find_element(By.ID, "status")
        out["open_s"] = time.perf_counter() - start
        out["status_open"] = status.text
        cards = driver.find_elements(By.CSS_SELECTOR, ".cand")
        out["cards"] = len(cards)
        driver.execute_script("arguments[0].focus()", cards[largest - 1])  # the last card, far below the fold
        start = time.perf_counter()
        driver.switch_to.active_element.send_keys("x")
        WebDriverWait(driver, 10, poll_frequency=0.01).until(
            lambda d: "positive" in cards[largest - 1].get_attribute("class"))
        out["key_s"] = time.perf_counter() - start
        out["status_marked"] = status.text
        out["in_page_ms"], out["marked"] = driver.execute_script(  # the handler alone, no WebDriver round trips
            "const el = document.querySelectorAll('.cand')[arguments[0]]; el.focus(); const t = performance.now();"
            "el.dispatchEvent(new KeyboardEvent('keydown', {key: 'x', bubbles: true}));"
            "return [performance.now() - t, el.classList.contains('positive')];", largest // 2)
        out["status_second"] = status.text
        out["saved"] = driver.execute_script("return Object.entries(localStorage).filter(([k]) => "
                                             "k.startsWith('wood-review:t:')).map(([k, v]) => Object.keys(JSON.parse(v)))")
    finally:
        driver.quit()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num", type=int, default=20_000, help="candidates in all")
    parser.add_argument("--largest", type=int, default=None, help="candidates on the first class page (num / 2)")
    args = parser.parse_args()
    largest = args.largest or args.num // 2
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from test_review_page import make_driver

    with tempfile.TemporaryDirectory() as tmp:
        m = measure(tmp, args.num, largest, make_driver)
    print("| candidates | largest page | build (s) | rebuild (s) | page (MB) | open (s) | keypress (ms) | "
          "handler in the page (ms) |\n|---|---|---|---|---|---|---|---|")
    print(f"| {args.num} | {largest} | {m['build_s']:.1f} | {m['rebuild_s']:.1f} | {m['page_mb']:.1f} | "
          f"{m['open_s']:.2f} | {m['key_s'] * 1000:.0f} | {m['in_page_ms']:.1f} |")


if __name__ == "__main__":
    main()
