"""The Hyperparameter Study tab in headless Chromium, against a real `healthopt serve`.

Configures the smallest comparison study through the /study form (one run per mode, one trial
of one epoch, the generalization module only), follows it on /study?id=... until the results
show, and checks the verdict, the module's figures (fetched as blobs, the way a token-protected
API needs) and the PDF download. The dashboard, the browser and the helpers are
test_dashboard.py's. The page with its results is saved as `study.png`, also to
HEALTHOPT_SCREENSHOT_DIR when set (how docs/screenshots/study.png is made).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from selenium.webdriver.support.ui import Select

from . import test_dashboard as dashboard
from .serving import Server
from .test_dashboard import (
    DESKTOP,
    PHONE,
    Dashboard,
    by_id,
    evidence_on_failure,
    find,
    no_sideways_scroll,
    resize,
    set_number,
    wait,
)

pytestmark = pytest.mark.slow
# The browser (with its download folder) and the screenshot taker of the dashboard's test.
browser = dashboard.browser
downloads = dashboard.downloads
screenshots = dashboard.screenshots


@pytest.fixture(scope="module")
def study_stack(tmp_path_factory) -> Iterator[tuple[Server, Dashboard]]:
    with dashboard.running_stack(tmp_path_factory.mktemp("study_dashboard")) as pair:
        yield pair


def test_a_study_started_followed_and_read_in_the_browser(
    study_stack, browser, downloads, screenshots, tmp_path
):
    with evidence_on_failure(browser, tmp_path):
        start_follow_and_read(*study_stack, browser, downloads, screenshots)


def start_follow_and_read(api: Server, ui: Dashboard, driver, downloads: Path, screenshots):
    # -- the tab and its form ------------------------------------------------------------
    driver.get(ui.base + "/")
    assert find(driver, "tab-exploration").get_attribute("aria-current") == "page"
    find(driver, "tab-study").click()
    wait(driver, lambda d: d.current_url.rstrip("/").endswith("/study"))
    assert find(driver, "tab-study").get_attribute("aria-current") == "page"
    assert find(driver, "tab-exploration").get_attribute("aria-current") is None

    dataset = Select(find(driver, "study-dataset-select"))
    wait(driver, lambda d: "digits" in [o.get_attribute("value") for o in dataset.options])
    dataset.select_by_value("digits")
    set_number(find(driver, "study-runs-input"), 1)
    set_number(find(driver, "study-trials-input"), 1)
    set_number(find(driver, "study-epochs-input"), 1)
    find(driver, "study-modules-none").click()
    find(driver, "study-module-generalization").click()
    assert find(driver, "study-weights-total").text.strip() == "100%"
    find(driver, "study-start-button").click()

    # -- progress, then results ----------------------------------------------------------
    wait(driver, lambda d: "/study?id=" in d.current_url, message="the study did not open")
    study_id = driver.current_url.split("id=")[1].split("&")[0]
    status = api.get(f"/comparison-study/{study_id}/status")
    assert status["config"]["runs_per_mode"] == 1
    assert status["analysis"]["modules_requested"] == ["generalization"]
    assert find(driver, "mode-card-accuracy_only") and find(driver, "mode-card-health_aware")

    find(driver, "study-verdict", timeout=240)
    # results.json is written before the report; the study completes after both.
    wait(driver, lambda d: find(d, "study-state").get_attribute("data-state") == "completed",
         timeout=120, message="the study did not complete")  # fmt: skip
    assert find(driver, "study-state").get_attribute("data-phase") == "analyzed"
    results = api.get(f"/comparison-study/{study_id}/results")
    assert find(driver, "study-verdict").text == results["executive_summary"]["verdict"]
    assert bool(driver.find_elements(*by_id("study-winner"))) == (
        results["executive_summary"]["winner"] is not None
    )
    assert find(driver, "mode-runs-accuracy_only").text.replace(" ", "") == "1/1"
    assert find(driver, "mode-runs-health_aware").text.replace(" ", "") == "1/1"
    assert find(driver, "module-generalization").get_attribute("data-available") == "true"
    assert not driver.find_elements(*by_id("study-cancel-button"))

    # Every figure of the results is on the page and loaded.
    expected = sum(len(m["figures"]) for m in results["modules"].values())
    assert expected > 0
    wait(driver, lambda d: len(figures(d)) == expected, timeout=30, message="figures missing")
    wait(driver, lambda d: all(d.execute_script("return arguments[0].naturalWidth > 0", image)
                               for image in figures(d)), timeout=30)  # fmt: skip
    screenshots(driver, "study")

    # The report downloads as the server names it and is a PDF.
    button = find(driver, "download-report")
    wait(driver, lambda d: button.is_enabled(), timeout=30)
    button.click()
    saved = wait(driver, lambda d: list(downloads.glob(f"{study_id}_report.pdf")), timeout=60)
    wait(driver, lambda d: not list(downloads.glob("*.crdownload")), timeout=30)
    assert len(PdfReader(saved[0]).pages) >= 1

    # -- the other tab, and a phone ------------------------------------------------------
    find(driver, "tab-exploration").click()
    wait(driver, lambda d: d.find_elements(*by_id("config-form")))
    resize(driver, PHONE)
    driver.get(f"{ui.base}/study?id={study_id}")
    find(driver, "study-verdict")
    assert no_sideways_scroll(driver), f"/study?id= scrolls sideways at {PHONE[0]} px"
    resize(driver, DESKTOP)


def figures(driver) -> list:
    return driver.find_elements(*by_id("study-figure"))
