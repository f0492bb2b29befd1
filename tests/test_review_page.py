"""The review pages in a real headless browser (Debian's chromium + chromedriver, via selenium):
click and keyboard marking on the class pages, marks shared between pages and kept across a
reload, the export of every class from the index read back by step 2; thumbnails as files."""
import os
import shutil
import time

import numpy as np
import pytest
from PIL import Image

from misc.method.ood_mining import Candidate
from misc.review.page import read_decisions, write_review_pages

CHROMIUM, CHROMEDRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"
needs_browser = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                                   reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")


CANDIDATES = [Candidate("img0", "bird", 0.99, 1), Candidate("img1", "bird", 0.7, 2),
              Candidate("img1", "boat", 0.8, 1), Candidate("img2", "boat", 0.6, 2)]


@pytest.fixture
def images(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(folder / f"img{i}.jpg")
    return folder


@pytest.fixture
def site(tmp_path, images):
    index = write_review_pages(str(tmp_path / "site"), "t", CANDIDATES, str(images), "review_decisions.txt")
    return tmp_path / "site", index


def make_driver(download_dir):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={download_dir}/profile"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                              "download.prompt_for_download": False})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def wait_for_file(path, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.isfile(path) and os.path.getsize(path) > 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"no download at {path}")


def marked(driver):
    from selenium.webdriver.common.by import By

    return [c.get_attribute("data-id") for c in driver.find_elements(By.CSS_SELECTOR, ".cand.positive")]


@needs_browser
def test_click_keyboard_pages_reload_and_export(site, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    folder, index = site
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = make_driver(downloads)
    try:
        driver.get(f"file://{index}")
        assert [a.text for a in driver.find_elements(By.CSS_SELECTOR, "table a")] == ["bird", "boat"]
        driver.find_element(By.LINK_TEXT, "bird").click()
        cards = driver.find_elements(By.CSS_SELECTOR, ".cand")
        assert [c.get_attribute("data-id") for c in cards] == ["img0", "img1"]
        img = cards[0].find_element(By.TAG_NAME, "img")
        assert (img.get_attribute("loading"), img.get_attribute("width"), img.get_attribute("height")) == (
            "lazy", "160", "160")
        assert os.path.isfile(folder / img.get_attribute("src").split("/site/")[1])  # a file beside the page
        cards[0].click()                                 # mouse: img0 positive
        cards[0].send_keys(Keys.ARROW_RIGHT)             # keyboard: move to img1 ...
        driver.switch_to.active_element.send_keys("x")   # ... and mark it
        assert "2 of 3" in driver.find_element(By.ID, "status").text
        driver.find_element(By.LINK_TEXT, "next: boat").click()
        assert marked(driver) == ["img1"]                # a mark is per image, on every page it is on
        driver.switch_to.active_element.send_keys(" ")   # the first card has the focus: unmark img1 ...
        driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
        driver.switch_to.active_element.send_keys("X")   # ... and mark img2
        driver.refresh()                                 # progress survives a reload
        assert marked(driver) == ["img2"]
        driver.find_element(By.LINK_TEXT, "all classes").click()
        assert "2 of 3" in driver.find_element(By.ID, "status").text
        assert [td.text for td in driver.find_elements(By.CSS_SELECTOR, "[data-marked-of]")] == ["1", "1"]
        driver.find_element(By.TAG_NAME, "body").send_keys("e")  # export from the index: every class
        wait_for_file(downloads / "review_decisions.txt")
    finally:
        driver.quit()
    exported = (downloads / "review_decisions.txt").read_text().splitlines()
    assert exported[1:] == ["img0\tbird\tpositive", "img1\tbird\tnegative", "img1\tboat\tnegative",
                            "img2\tboat\tpositive"]
    assert read_decisions(str(downloads / "review_decisions.txt")) == {
        "img0": "positive", "img1": "negative", "img2": "positive"}


def test_pages_per_class_and_thumbnails_reused_until_the_source_changes(site, images):
    folder, _ = site
    pages = sorted(p.name for p in folder.glob("review*"))
    assert pages == ["review.html", "review.js", "review_01_bird.html", "review_02_boat.html",
                     "review_candidates.js"]
    assert "base64" not in (folder / "review_01_bird.html").read_text()
    thumbs = {p.name: p.stat().st_mtime_ns for p in (folder / "thumbnails").iterdir()}
    assert len(thumbs) == 3 and all(Image.open(folder / "thumbnails" / n).size == (160, 120) for n in thumbs)
    write_review_pages(str(folder), "t", CANDIDATES, str(images), "review_decisions.txt")
    assert {p.name: p.stat().st_mtime_ns for p in (folder / "thumbnails").iterdir()} == thumbs  # reused
    Image.new("RGB", (40, 40)).save(images / "img2.jpg")  # a changed source: a new thumbnail, the old one goes
    write_review_pages(str(folder), "t", CANDIDATES[:3], str(images), "review_decisions.txt")
    after = {p.name for p in (folder / "thumbnails").iterdir()}
    assert len(after) == 2 and after < set(thumbs)  # img2 is no longer a candidate: its thumbnail is gone
    assert not (folder / "review_02_boat.html").exists() or "img2" not in (folder / "review_02_boat.html").read_text()
    write_review_pages(str(folder), "t", CANDIDATES, str(images), "review_decisions.txt")
    new = {p.name for p in (folder / "thumbnails").iterdir()} - set(thumbs)
    assert len(new) == 1 and new.pop().startswith("img2.")


def test_decisions_file_errors_name_the_line(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("# header\na\tbird\tpositive\nb\tbird\tmaybe\n")
    with pytest.raises(ValueError, match="line 3"):
        read_decisions(str(path))
    path.write_text("a\tbird\tpositive\na\tboat\tnegative\nb\tboat\tnegative\n")
    assert read_decisions(str(path)) == {"a": "positive", "b": "negative"}
