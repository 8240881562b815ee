"""How long a job's run page takes to show its first trial cards, at 1,000 trials and at 10.

The jobs are the browser test's (tests/e2e/test_trial_gallery.py: a real scripted run grown to
N trial records, a finished job naming it in the server's jobs table). A real `healthopt serve`
and the built dashboard (`make ui`) serve them, and headless Chromium opens `/run?job=` several
times for each; the time is from navigation to the first trial card in the page, the median of
the tries. The 10-trial job is the floor beside it: what the page costs without the trials.
Goal (issue 25): a 1,000-trial run opens in under 2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.test_dashboard import CHROMEDRIVER, CHROMIUM, DESKTOP, running_stack  # noqa: E402
from tests.e2e.test_trial_gallery import made_job, open_gallery  # noqa: E402

GOAL_SECONDS = 2.0
SIZES = (1000, 10)


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """Headless Chromium as the browser tests start it, at their desktop size."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-extensions", "--no-first-run",
                 f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):  # fmt: skip
        options.add_argument(flag)
    # A short $TMPDIR: Chromium's singleton socket path must stay under 107 bytes.
    browser_tmp = tempfile.mkdtemp(prefix="chromium-", dir="/tmp")
    service = Service(CHROMEDRIVER, env={**os.environ, "TMPDIR": browser_tmp})
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(browser_tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=5, help="page opens per job")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_gallery_") as folder:
        root = Path(folder)
        jobs = {size: made_job(root / "results", size)[0] for size in SIZES}
        with running_stack(root) as (_, ui), chromium() as driver:
            open_gallery(driver, ui, jobs[SIZES[-1]])  # warm: the first page load compiles
            medians = {}
            for size in SIZES:
                seconds = [open_gallery(driver, ui, jobs[size]) for _ in range(args.tries)]
                medians[size] = statistics.median(seconds)
                print(
                    f"{size:>5} trials: first cards after {medians[size]:.2f} s median "
                    f"({min(seconds):.2f}..{max(seconds):.2f} s over {args.tries} opens)"
                )
    ratio = medians[SIZES[0]] / medians[SIZES[-1]]
    print(f"1,000 trials / 10 trials: {ratio:.2f}x")
    met = "yes" if medians[SIZES[0]] < GOAL_SECONDS else "no"
    print(f"goal: < {GOAL_SECONDS:.0f} s  measured: {medians[SIZES[0]]:.2f} s  met: {met}")


if __name__ == "__main__":
    main()
