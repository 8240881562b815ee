"""Any trial of a CLI run in headless Chromium: the runs list, the run's trials, one trial's page.

Makes a real run with the CLI before the server starts (`healthopt optimize` on `digits`, 3
trials of 2 epochs, plots for every trial, no pruning so all three complete), then starts
`healthopt serve` on that results folder and the built dashboard. The test opens /runs, finds
the CLI run there, follows it to its trial list, opens a trial that is NOT the best and checks
that its plot images load (naturalWidth > 0), its learning curves are drawn by plotly, its
model download is offered, and the links to the neighbouring trials go where they say. Pages
are saved as `runs_list.png` and `trial_page.png`, also to HEALTHOPT_SCREENSHOT_DIR when set
(how docs/screenshots/ gets them). The dashboard, the browser and the helpers are
test_dashboard.py's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
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

RUN = "cli_digits"
# Small enough for about a minute on two CPU cores; no pruner, so every trial completes and
# has a model and plots; a fixed seed so the screenshots are the same run each time.
OPTIMIZE = ["--dataset", "digits", "--trials", "3", "--epochs", "2", "--plots", "all",
            "--pruner", "none", "--seed", "3", "--run-name", RUN]  # fmt: skip


def made_cli_run(results: Path) -> dict:
    """`healthopt optimize` into `results`, as a user would run it; its results.json."""
    command = [sys.executable, "-m", "healthopt.cli", "optimize", *OPTIMIZE]
    # The user's own HEALTHOPT_ settings stay out, as they do for the server (serving.py).
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHOPT_")}
    done = subprocess.run(
        [*command, "--output-dir", str(results)],
        cwd=results.parent, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((results / RUN / "results.json").read_text())


@pytest.fixture(scope="module")
def cli_stack(tmp_path_factory) -> Iterator[tuple[Server, Dashboard, dict]]:
    root = tmp_path_factory.mktemp("trial_pages")
    results = made_cli_run(root / "results")  # Server serves root/"results"
    with dashboard.running_stack(root) as (api, ui):
        yield api, ui, results


def test_a_cli_runs_non_best_trial_opened_from_the_runs_list(
    cli_stack, browser, screenshots, tmp_path
):
    with evidence_on_failure(browser, tmp_path):
        open_a_non_best_trial(*cli_stack, browser, screenshots)


def open_a_non_best_trial(api: Server, ui: Dashboard, results: dict, driver, screenshots) -> None:
    best = results["best_trial"]
    complete = [t["number"] for t in results["trials"] if t["state"] == "COMPLETE"]
    assert len(complete) == 3, results["trials"]
    other = next(n for n in complete if n != best)
    # The server indexes the CLI run beside its (absent) jobs.
    listed = {run["name"]: run for run in api.get("/runs")["runs"]}
    assert listed[RUN]["source"] == "cli" and listed[RUN]["trials_complete"] == 3

    resize(driver, DESKTOP)
    driver.get(ui.base + "/runs")
    row = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, f'tr[data-run="{RUN}"]'))
    cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
    assert cells[:4] == ["CLI", "digits", "simple", "3 / 3"], cells
    assert cells[4].endswith("%"), cells
    screenshots(driver, "runs_list")

    row.find_element(By.LINK_TEXT, "Trials").click()
    wait(driver, lambda d: len(d.find_elements(*by_id("trial-row"))) == 3, message="3 trials")
    assert "/trials?run=" in driver.current_url
    driver.find_element(By.LINK_TEXT, f"Trial {other}").click()

    # Looked up afresh on every poll: the h1 found first may be the trial list's, replaced
    # when the trial page renders (a stale element).
    wait(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text.startswith(f"Trial {other}"))
    heading = driver.find_element(By.TAG_NAME, "h1")
    find(driver, "trial-metrics", timeout=90)  # the detail reads several files per trial
    assert "Best" not in heading.text
    # Every plot of this trial, fetched with the token and decoded by the browser.
    images = wait(driver, lambda d: d.find_elements(*by_id("plot-image")), 60, "no plots")
    assert all(f"(trial {other})" in img.get_attribute("alt") for img in images)
    wait(
        driver,
        lambda d: all(
            d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img)
            for img in d.find_elements(*by_id("plot-image"))
        ),
        60,
        "plot images did not load",
    )
    # The learning curves: plotly drew a line per metric of the trial's history.json.
    curves = find(driver, "learning-curves")
    wait(driver, lambda d: curves.get_attribute("data-state") == "rendered", 60, "no curves")
    lines = curves.find_elements(By.CSS_SELECTOR, ".scatterlayer .trace")
    history = api.get(f"/runs/{RUN}/trials/{other}")["learning_curves"]
    assert len(lines) == len([name for name, values in history.items() if values]) >= 2
    assert not find(driver, "download-trial-model").get_property("disabled")
    assert not find(driver, "download-trial-plots").get_property("disabled")

    stepper = driver.find_element(By.CSS_SELECTOR, 'nav[aria-label="Other trials"]')
    hrefs = [link.get_attribute("href") for link in stepper.find_elements(By.TAG_NAME, "a")]
    expected = [n for n in (other - 1, other + 1) if 0 <= n < 3]
    assert [href.rsplit("n=", 1)[1] for href in hrefs] == [str(n) for n in expected]
    screenshots(driver, "trial_page")

    resize(driver, PHONE)
    wait(driver, no_sideways_scroll, 10, f"wider than a phone: {too_wide(driver)}")
    resize(driver, DESKTOP)


def too_wide(driver) -> list[str]:
    """The innermost elements that reach past the window's right edge (what to fix)."""
    return driver.execute_script(
        """const wide = [...document.querySelectorAll("body *")].filter(
             (e) => e.getBoundingClientRect().right > window.innerWidth + 1);
           return wide.filter((e) => !wide.some((o) => o !== e && e.contains(o))).slice(0, 8)
             .map((e) => `${e.tagName}.${e.className}[${e.getAttribute("data-testid") || ""}]`);"""
    )
