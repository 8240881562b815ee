"""RunTracking: the user's experiment trackers (MLflow), fed from the trial loop.

Calls go to one background thread, in order, so a slow or unreachable tracking server (MLflow
retries for minutes) never holds up the trials; `close` waits for what is queued. A tracking
error never ends the run: the first one is shown once as a notice and the run goes on.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.records import TrialRecord

if TYPE_CHECKING:
    from healthopt.trackers import MlflowTracker

log = logging.getLogger(__name__)
EXPERIMENT = "healthopt"  # the MLflow experiment every optimization's run goes under


def check_trackers(config: OptimizationConfig) -> None:
    """Refuse, before any trial, a tracker whose package is missing."""
    if config.mlflow_uri is not None and importlib.util.find_spec("mlflow") is None:
        raise ConfigError("mlflow_uri: MLflow is not installed: pip install 'healthopt[mlflow]'")


class RunTracking:
    """One optimization's trackers; with no tracker configured every call does nothing."""

    def __init__(self, config: OptimizationConfig, notice: Callable[[str], None]) -> None:
        self._notice = notice
        self._noticed = False
        self._queue: ThreadPoolExecutor | None = None
        if config.mlflow_uri is None:
            return
        from healthopt.trackers import MlflowTracker

        self._queue = ThreadPoolExecutor(1, thread_name_prefix="healthopt-tracking")
        assert config.run_name is not None  # the optimizer names the run before tracking it
        uri, run_name, settings = config.mlflow_uri, config.run_name, config.to_dict()
        self._mlflow_ready = self._queue.submit(
            lambda: MlflowTracker(uri, EXPERIMENT, run_name, settings)
        )

    def trial_finished(self, record: TrialRecord, trial_dir: Path) -> None:
        self._submit(lambda tracker: tracker.trial_finished(record, trial_dir))

    def run_finished(self, best_trial: int | None, results_path: Path) -> None:
        self._submit(lambda tracker: tracker.run_finished(best_trial, results_path))

    def close(self) -> None:
        """Wait for what is queued, then end the tracker's run (as KILLED if unfinished)."""
        self._submit(lambda tracker: tracker.close())
        if self._queue is not None:
            self._queue.shutdown(wait=True)
            self._queue = None

    def _submit(self, call: Callable[[MlflowTracker], None]) -> None:
        if self._queue is None:
            return

        def run() -> None:
            try:
                tracker = self._mlflow_ready.result()
                call(tracker)
                failure = tracker.failure
            except Exception as exc:  # the tracker guards its calls; this is a bug in ours
                log.exception("MLflow tracking failed")
                failure = f"MLflow tracking failed: {type(exc).__name__}: {exc}"
            if failure is not None and not self._noticed:
                self._noticed = True
                self._notice(f"{failure}; the run goes on without MLflow")

        self._queue.submit(run)
