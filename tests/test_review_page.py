"""The review page in a real headless browser (Debian's chromium + chromedriver, via selenium):
click and keyboard marking, progress kept across a reload, export read back by step 2."""
import os
import shutil
import time

import numpy as np
import pytest
from PIL import Image

from misc.ood_mining import Candidate
from misc.review_page import build_review_page, read_decisions

CHROMIUM, CHROMEDRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"
needs_browser = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
                                   reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")


@pytest.fixture
def page(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)).save(tmp_path / f"img{i}.jpg")
    candidates = [Candidate("img0", "bird", 0.99, 1), Candidate("img1", "bird", 0.7, 2),
                  Candidate("img1", "boat", 0.8, 1), Candidate("img2", "boat", 0.6, 2)]
    path = tmp_path / "review.html"
    path.write_text(build_review_page("t", candidates, str(tmp_path), "review_decisions.txt"))
    return path


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


@needs_browser
def test_click_keyboard_reload_and_export(page, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = make_driver(downloads)
    try:
        driver.get(page.as_uri())
        cards = driver.find_elements(By.CSS_SELECTOR, ".cand")
        assert [c.get_attribute("data-id") for c in cards] == ["img0", "img1", "img1", "img2"]
        cards[0].click()                           # mouse: img0 positive
        cards[0].send_keys(Keys.ARROW_RIGHT)       # keyboard: move to img1 (bird) ...
        driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
        driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
        driver.switch_to.active_element.send_keys("x")  # ... then on to img2 and mark it
        assert "2 of 3" in driver.find_element(By.ID, "status").text
        driver.refresh()                           # progress survives a reload
        assert "2 of 3" in driver.find_element(By.ID, "status").text
        marked = [c.get_attribute("data-id") for c in driver.find_elements(By.CSS_SELECTOR, ".cand.positive")]
        assert marked == ["img0", "img2"]
        driver.find_element(By.ID, "export").click()
        wait_for_file(downloads / "review_decisions.txt")
    finally:
        driver.quit()
    assert read_decisions(str(downloads / "review_decisions.txt")) == {
        "img0": "positive", "img1": "negative", "img2": "positive"}


def test_decisions_file_errors_name_the_line(tmp_path):
    path = tmp_path / "d.txt"
    path.write_text("# header\na\tbird\tpositive\nb\tbird\tmaybe\n")
    with pytest.raises(ValueError, match="line 3"):
        read_decisions(str(path))
    path.write_text("a\tbird\tpositive\na\tboat\tnegative\nb\tboat\tnegative\n")
    assert read_decisions(str(path)) == {"a": "positive", "b": "negative"}
