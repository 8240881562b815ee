"""results.json written at a pace that does not grow with the run.

results.json holds every trial, so writing it costs time in proportion to the run's length;
rewritten after every trial, a 1,000-trial run of quick trials spent more on it than on its
trials (issue 25). After a trial it is written when at least `interval` seconds have passed
since the last write, so trials that take longer than that still see it after each one, and
quick ones share a write. The run's own ends (finished, stopped, interrupted, a worker's last
trial) always write it. Nothing is lost between two writes: each trial's result is in the
study's storage (the source of truth results.json is built from, `optimize.results`) and in
its folder's result.json before the next write, and a resumed run writes the file afresh.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from healthopt.records import RunResults

RESULTS_FILE = "results.json"
WRITE_INTERVAL_SECONDS = 1.0


class ResultsFile:
    """A run's results.json: `write` always writes, `write_due` when the interval is up."""

    def __init__(
        self,
        run_dir: Path,
        interval: float = WRITE_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = run_dir / RESULTS_FILE
        self.interval = interval
        self._clock = clock
        self._last_write: float | None = None

    def due(self) -> bool:
        return self._last_write is None or self._clock() - self._last_write >= self.interval

    def write_due(self, results: RunResults) -> bool:
        """Write `results` when the interval is up; whether it was written."""
        if not self.due():
            return False
        self.write(results)
        return True

    def write(self, results: RunResults) -> None:
        """Write strict JSON (no NaN) to a temporary file, then rename it into place.

        Without indentation: the standard library encodes indented JSON in Python, which
        took about five times as long on a 1,000-trial file; `json.load` reads both."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(results.to_json(), allow_nan=False))
        os.replace(tmp, self.path)
        self._last_write = self._clock()
