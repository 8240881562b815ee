"""A job of 1,000 trials in headless Chromium: its run page opens with a virtualized gallery.

The run folder is a real one (the optimizer on the scripted executor, three trials: one
completes, one fails, one is pruned by health), grown to 1,000 trial records by copying those
three with new numbers and scores, so results.json has the size and shape a 1,000-trial run
leaves without running 1,000 trials. A finished job naming it goes into the server's jobs
table before `healthopt serve` starts. The test opens `/run?job=`, checks that only the cards
near the viewport are in the DOM while the page is as tall as all 1,000, scrolls to the end
and finds trial 999 there, and follows a card's link with the keyboard. It prints the time
from navigation to the first cards; bench/bench_gallery_open.py holds that to its goal.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from healthopt.api.db import COMPLETED, JobStore
from healthopt.api.jobs import new_job_id
from healthopt.records import RunResults

from ..optimize.scripted import alarmed, fail, learning
from ..runs.made_runs import made_run
from . import test_dashboard as dashboard
from .serving import Server
from .test_dashboard import DESKTOP, Dashboard, by_id, evidence_on_failure, resize, wait

pytestmark = pytest.mark.slow
browser = dashboard.browser
downloads = dashboard.downloads

TRIALS = 1000
# Far fewer than 1,000: the viewport's rows and the virtualizer's overscan.
MAX_CARDS_IN_DOM = 100


def script(spec):
    """Trial 0 completes, trial 1 fails, trial 2 is pruned by health: the three card kinds."""
    return (learning([0.3, 0.6], neuron_utilization=0.8), fail("boom"), alarmed(1))[
        spec.trial_number % 3
    ]


def made_job(results: Path, trials: int = TRIALS) -> tuple[str, RunResults]:
    """A finished job of `trials` trials in `results` (the server's results folder, with its
    jobs.db): its id and its results.json. Made before the server starts."""
    job_id = new_job_id()
    run_dir = made_run(results, f"gallery_{job_id[:8]}", script, trials=3, epochs=2)
    small = RunResults.from_json((run_dir / "results.json").read_bytes())
    kinds = sorted(small.trials, key=lambda t: t.number)
    grown = []
    for number in range(trials):
        kind = kinds[number % len(kinds)]
        score = None if kind.total_score is None else round(0.5 + (number * 37 % 101) / 250, 4)
        grown.append(kind.model_copy(update={"number": number, "total_score": score}))
    best = max((t for t in grown if t.total_score is not None), key=lambda t: t.total_score)
    results_record = small.model_copy(
        update={
            "trials": grown,
            "trials_requested": trials,
            "best_trial": best.number,
            "best_value": best.total_score,
        }
    )
    (run_dir / "results.json").write_text(results_record.to_json_text())
    store = JobStore(f"sqlite:///{results / 'jobs.db'}", results)
    try:
        request = {"dataset_name": "digits", "trials": trials, "mode": "simple"}
        store.create(job_id, run_dir.name, str(run_dir), request, {}, trials_total=trials)
        store.update(
            job_id, trials_completed=trials, best_trial=best.number, best_score=best.total_score
        )
        store.finish(job_id, COMPLETED)
    finally:
        store.close()
    return job_id, results_record


def open_gallery(driver, ui: Dashboard, job_id: str, timeout: float = 60) -> float:
    """Seconds from navigating to the job's run page until its first trial cards show."""
    driver.get("about:blank")
    start = time.perf_counter()
    driver.get(f"{ui.base}/run?job={job_id}")
    wait(driver, lambda d: d.find_elements(*by_id("trial-card")), timeout, "no trial cards")
    return time.perf_counter() - start


def cards_in_dom(driver) -> list[int]:
    """The numbers of the trial cards in the page, read in one go: the virtualizer replaces
    cards as it scrolls, so elements found one call earlier may be gone."""
    return driver.execute_script(
        """return [...document.querySelectorAll('[data-testid="trial-card"]')]
             .map((card) => Number(card.dataset.trial));"""
    )


@pytest.fixture(scope="module")
def gallery_stack(tmp_path_factory) -> Iterator[tuple[Server, Dashboard, str, RunResults]]:
    root = tmp_path_factory.mktemp("trial_gallery")
    job_id, results = made_job(root / "results")  # Server serves root/"results"
    with dashboard.running_stack(root) as (api, ui):
        yield api, ui, job_id, results


def test_a_1000_trial_job_opens_with_only_the_visible_cards(gallery_stack, browser, tmp_path):
    api, ui, job_id, _ = gallery_stack
    with evidence_on_failure(browser, tmp_path):
        resize(browser, DESKTOP)
        seconds = open_gallery(browser, ui, job_id)
        print(f"\n1,000-trial gallery: first cards after {seconds:.2f} s")
        shown = cards_in_dom(browser)
        assert shown[0] == 0 and len(shown) < MAX_CARDS_IN_DOM, shown
        gallery = browser.find_element(*by_id("trial-gallery"))
        assert int(gallery.get_attribute("data-total")) == TRIALS
        # The page is as tall as every card would make it: the scrollbar reflects all of them.
        assert gallery.size["height"] > 50 * browser.get_window_size()["height"]

        # Tabbing from the first card's link walks on past the cards drawn at first.
        browser.execute_script(
            "document.querySelector('[data-testid=\"trial-card-link\"]').focus()"
        )
        for _ in range(4 * MAX_CARDS_IN_DOM):
            ActionChains(browser).send_keys(Keys.TAB).perform()
            if focused_card(browser) > max(shown):
                break
        assert focused_card(browser) > max(shown), (focused_card(browser), shown)

        # To the end, as a user drags the scrollbar down: again while the rows drawn there
        # are measured and the page's height settles.
        last = f'[data-testid="trial-card"][data-trial="{TRIALS - 1}"]'
        wait(browser, lambda d: scrolled_to_see(d, last), 30, "trial 999 not in the window")
        at_end = cards_in_dom(browser)
        assert len(at_end) < MAX_CARDS_IN_DOM and 0 not in at_end, at_end

        # Its link opens its trial page from the keyboard.
        link = browser.find_element(By.CSS_SELECTOR, f'{last} [data-testid="trial-card-link"]')
        browser.execute_script("arguments[0].focus()", link)
        ActionChains(browser).send_keys(Keys.ENTER).perform()
        wait(browser, lambda d: d.current_url.endswith(f"n={TRIALS - 1}"), 30, "no trial page")
        assert api.get(f"/jobs/{job_id}/trials?limit=1")["total"] == TRIALS


def focused_card(driver) -> int:
    """The number of the trial card holding the keyboard focus; -1 when none does."""
    return driver.execute_script(
        """const card = document.activeElement?.closest('[data-testid="trial-card"]');
           return card ? Number(card.dataset.trial) : -1;"""
    )


def scrolled_to_see(driver, selector: str) -> bool:
    """Scroll the window to its end; whether the element of `selector` is now in the window."""
    return driver.execute_script(
        """window.scrollTo(0, document.documentElement.scrollHeight);
           const element = document.querySelector(arguments[0]);
           if (!element) return false;
           const box = element.getBoundingClientRect();
           return box.top >= 0 && box.bottom <= window.innerHeight;""",
        selector,
    )
