"""The Pareto view in headless Chromium, against a real `healthopt serve` and a real pareto run.

Starts a tiny two-objective run on `digits` through the API (5 trials of 2 epochs, a plot set
for every trial), waits for it, opens the run page, follows its "Pareto front" link and checks
that every completed trial is a point, the front is flagged and drawn, and the chosen member and
its rule are shown. Clicking a front member opens that trial: its figures load and its own
model downloads, byte for byte the file the API serves. The page is saved as `pareto.png`, also
to HEALTHOPT_SCREENSHOT_DIR when set (how docs/screenshots/pareto.png is made). The dashboard,
the browser and the helpers are test_dashboard.py's.
"""

from __future__ import annotations

import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

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
    wait,
)

pytestmark = pytest.mark.slow
browser = dashboard.browser
downloads = dashboard.downloads
screenshots = dashboard.screenshots

# Small enough to finish in about a minute on two CPU cores; no pruning, so all five complete
# and the front has something to choose from. With the skill gate health rises with accuracy,
# so small runs often have a front of one; seed 5 gave a front of two on the 2-core machine
# (`healthopt optimize ... --seed 5`), which the screenshot shows. The test holds for any size.
REQUEST = {
    "dataset_name": "digits",
    "trials": 5,
    "max_epochs_per_trial": 2,
    "mode": "pareto",
    "sampler": "nsga2",
    "pruner": "none",
    "health_pruning": False,
    "plot_generation": "all",
    "seed": 5,
}


@pytest.fixture(scope="module")
def pareto_stack(tmp_path_factory) -> Iterator[tuple[Server, Dashboard]]:
    with dashboard.running_stack(tmp_path_factory.mktemp("pareto_dashboard")) as pair:
        yield pair


def test_a_pareto_run_read_and_a_front_member_downloaded_in_the_browser(
    pareto_stack, browser, downloads, screenshots, tmp_path
):
    with evidence_on_failure(browser, tmp_path):
        read_front_and_download(*pareto_stack, browser, downloads, screenshots)


def read_front_and_download(api: Server, ui: Dashboard, driver, downloads: Path, screenshots):
    job_id = api.post("/optimize", REQUEST)["job_id"]
    status = api.wait_status(
        job_id, lambda s: s["status"] not in ("pending", "running"), timeout=240
    )
    assert status["status"] == "completed", status
    pareto = api.get(f"/jobs/{job_id}/pareto")
    assert pareto["front"] and pareto["chosen_trial"] in pareto["front"]

    # -- from the run page to the Pareto view ----------------------------------------------
    driver.get(f"{ui.base}/run?job={job_id}")
    find(driver, "pareto-link").click()
    wait(driver, lambda d: "/pareto" in d.current_url, message="the Pareto link did not open")
    points = wait(
        driver,
        lambda d: (
            len(d.find_elements(*by_id("pareto-point"))) == len(pareto["points"])
            and d.find_elements(*by_id("pareto-point"))
        ),
        message="not every trial was drawn",
    )
    front = sorted(int(p.get_attribute("data-trial")) for p in points
                   if p.get_attribute("data-front") == "true")  # fmt: skip
    assert front == pareto["front"]
    chosen = [p.get_attribute("data-trial") for p in points
              if p.get_attribute("data-chosen") == "true"]  # fmt: skip
    assert chosen == [str(pareto["chosen_trial"])]
    assert find(driver, "pareto-front-line").get_attribute("d").startswith("M")
    rule = find(driver, "pareto-rule").text
    assert f"trial {pareto['chosen_trial']}" in rule and pareto["rule"] in rule

    # -- a front member opened by a click: its figures and its model -----------------------
    others = [n for n in pareto["front"] if n != pareto["chosen_trial"]]
    target = others[0] if others else pareto["chosen_trial"]
    dot = driver.find_element(
        By.CSS_SELECTOR, f'[data-testid="pareto-point"][data-trial="{target}"]'
    )
    ActionChains(driver).move_to_element(dot).click().perform()
    wait(driver, lambda d: find(d, "pareto-trial").get_attribute("data-trial") == str(target),
         message="clicking a point did not open its trial")  # fmt: skip
    plots = [p for p in api.get(f"/jobs/{job_id}/plots")["plots"] if p["trial"] == target]
    assert plots
    # The grid renders its images as their objects arrive: wait for all of them, not the first.
    images = wait(driver, lambda d: len(found := d.find_elements(*by_id("plot-image")))
                  == len(plots) and found, timeout=30,
                  message="the opened trial did not show every plot")  # fmt: skip
    wait(driver, lambda d: all(d.execute_script("return arguments[0].naturalWidth > 0", i)
                               for i in images), timeout=30)  # fmt: skip
    screenshots(driver, "pareto")

    point = next(p for p in pareto["points"] if p["trial"] == target)
    with urllib.request.urlopen(api.base + point["model_url"], timeout=30) as reply:
        served = reply.read()
    download = find(driver, "trial-model-download")
    wait(driver, lambda d: download.is_enabled())
    download.click()
    name = f"{pareto['run_name']}_trial_{target}.keras"
    saved = wait(driver, lambda d: [p for p in downloads.glob(name)], timeout=60)
    assert zipfile.is_zipfile(saved[0])
    wait(driver, lambda d: saved[0].read_bytes() == served, message="download differs")

    # -- phone width -----------------------------------------------------------------------
    resize(driver, PHONE)
    driver.get(f"{ui.base}/pareto?job={job_id}")
    wait(driver, lambda d: len(d.find_elements(*by_id("pareto-point"))) == len(pareto["points"]))
    assert no_sideways_scroll(driver), f"/pareto scrolls sideways at {PHONE[0]} px"
    resize(driver, DESKTOP)
