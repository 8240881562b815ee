"""MlflowTracker: an optimization as MLflow runs, one parent run and a nested run per trial.

The tracker talks to MLflow through `MlflowClient` with explicit run ids, never through the
fluent API's global active run, because the optimizer may run in a server thread beside other
optimizations. What it logs comes from the trial records and the trial's own files: the
parameters (from the search space), history.json's curves, the final metrics, the six health
components, the score and the diagnostics' verdict, and model.keras. Nothing from the
environment, and no storage or tracking URL, is logged.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from healthopt.records import TrialRecord
from healthopt.redact import is_secret_name, redact

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'healthopt[mlflow]'"
PARENT_RUN_ID = "mlflow.parentRunId"  # MLflow's own tag: the UI nests the trial under it
MODEL_FILE = "model.keras"  # a trial's saved model (`trial.py`)
HISTORY_FILE = "history.json"
# Config entries never logged: where the study and the tracker live (a URL may carry a login).
UNLOGGED_CONFIG = frozenset({"storage_url", "mlflow_uri"})
# MLflow's run status for a trial's state; a pruned trial was stopped on purpose.
RUN_STATUS = {"COMPLETE": "FINISHED", "FAIL": "FAILED", "PRUNED": "KILLED"}
# MLflow takes at most 1000 metrics in one log_batch call.
BATCH = 1000
TAG_LIMIT = 5000  # characters of an error message kept in a tag (MLflow's limit is 8000)


class MlflowTracker:
    """Logs one optimization to MLflow.

    A tracking error never ends the optimization: every call logs a warning and returns, and a
    tracker whose parent run could not be made logs nothing more. Only a missing package is an
    error, raised by the constructor, so it shows before any trial runs. A tracking server that
    is down costs each call MLflow's own retries (`MLFLOW_HTTP_REQUEST_MAX_RETRIES`,
    `MLFLOW_HTTP_REQUEST_TIMEOUT`). Safe to call from several threads.
    """

    def __init__(
        self, tracking_uri: str, experiment: str, run_name: str, config: dict[str, Any]
    ) -> None:
        try:
            import mlflow
            from mlflow.entities import Metric, Param
            from mlflow.exceptions import MlflowException
        except ImportError as error:
            raise ImportError(f"MLflow tracking needs mlflow: {INSTALL_HINT}") from error
        self._metric_type, self._param_type = Metric, Param
        self._mlflow_error = MlflowException
        self._lock = threading.Lock()
        self._parent: str | None = None
        self._trials: dict[int, str] = {}  # trial number -> its MLflow run id
        self._closed = False
        self.failure: str | None = None  # the first tracking error, for the caller to show
        _allow_file_store(tracking_uri)
        with self._guard("starting the run"):
            self._client = mlflow.MlflowClient(tracking_uri)
            experiment_id = self._experiment_id(experiment)
            tags = {
                "healthopt.run_name": run_name,
                "healthopt.mode": str(config.get("mode", "")),
                "healthopt.dataset": str(config.get("dataset_name", "")),
            }
            run = self._client.create_run(experiment_id, tags=tags, run_name=run_name)
            self._experiment = experiment_id
            self._parent = run.info.run_id
            self._client.log_batch(self._parent, params=self._params(_config_params(config)))

    @property
    def parent_run_id(self) -> str | None:
        """The optimization's MLflow run; None when it could not be made."""
        return self._parent

    def trial_finished(self, record: TrialRecord, trial_dir: Path | None) -> None:
        """Log a finished trial as a child run of the optimization's run."""
        if self._parent is None:
            return
        with self._lock, self._guard(f"logging trial {record.number}"):
            tags = {
                PARENT_RUN_ID: self._parent,
                "healthopt.trial": str(record.number),
                "healthopt.state": record.state,
            }
            if record.error:
                tags["healthopt.error"] = redact(record.error)[:TAG_LIMIT]
            run = self._client.create_run(
                self._experiment, tags=tags, run_name=f"trial_{record.number}"
            )
            run_id = run.info.run_id
            self._trials[record.number] = run_id
            history = _read_history(trial_dir / HISTORY_FILE) if trial_dir else {}
            metrics = [
                self._metric(name, value, step)
                for name, values in history.items()
                for step, value in enumerate(values)
                if _finite(value)
            ]
            metrics += [
                self._metric(name, float(value), 0)
                for name, value in _trial_figures(record).items()
                if value is not None and _finite(value)
            ]
            self._client.log_batch(run_id, params=self._params(record.params))
            for start in range(0, len(metrics), BATCH):
                self._client.log_batch(run_id, metrics=metrics[start : start + BATCH])
            model = trial_dir / MODEL_FILE if trial_dir else None
            if model is not None and model.is_file():
                self._client.log_artifact(run_id, str(model))
            self._client.set_terminated(run_id, RUN_STATUS.get(record.state, "FINISHED"))

    def run_finished(self, best_trial: int | None, results_path: Path | None) -> None:
        """Mark the optimization's run finished, with the best trial and results.json."""
        if self._parent is None or self._closed:
            return
        with self._lock, self._guard("finishing the run"):
            if best_trial is not None:
                self._client.set_tag(self._parent, "healthopt.best_trial", str(best_trial))
                if best_trial in self._trials:
                    self._client.set_tag(self._trials[best_trial], "healthopt.best", "true")
            if results_path is not None and Path(results_path).is_file():
                self._client.log_artifact(self._parent, str(results_path))
            self._client.set_terminated(self._parent, "FINISHED")
            self._closed = True

    def close(self) -> None:
        """End the optimization's run; one that never reached `run_finished` (interrupted,
        failed) ends as KILLED. Calling it again does nothing."""
        if self._parent is None or self._closed:
            return
        with self._lock, self._guard("closing the run"):
            self._closed = True
            self._client.set_terminated(self._parent, "KILLED")

    # -- helpers -------------------------------------------------------------------------
    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        try:
            yield
        except Exception as error:  # tracking must never end an optimization
            message = f"MLflow tracking failed while {what}: {redact(str(error))}"
            log.warning("%s", message)
            if self.failure is None:
                self.failure = message

    def _experiment_id(self, name: str) -> str:
        existing = self._client.get_experiment_by_name(name)
        if existing is not None:
            return str(existing.experiment_id)
        try:
            return str(self._client.create_experiment(name))
        except self._mlflow_error:
            # Another optimization made it first.
            existing = self._client.get_experiment_by_name(name)
            if existing is None:
                raise
            return str(existing.experiment_id)

    def _params(self, values: Mapping[str, Any]) -> list[Any]:
        return [self._param_type(name, str(value)) for name, value in sorted(values.items())]

    def _metric(self, name: str, value: float, step: int) -> Any:
        return self._metric_type(name, float(value), int(time.time() * 1000), step)


def _allow_file_store(tracking_uri: str) -> None:
    """Let MLflow open a file store the user named. MLflow 3 keeps its file store (a `file:`
    URI or a bare path) in maintenance mode behind MLFLOW_ALLOW_FILE_STORE; naming one in
    --mlflow-uri is that opt-in. A user's own setting of the variable is left alone."""
    scheme = urlsplit(tracking_uri).scheme
    if scheme in ("", "file") or (len(scheme) == 1 and tracking_uri[1:2] == ":"):  # C:\ paths
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")


def _trial_figures(record: TrialRecord) -> dict[str, float | int | None]:
    """The trial's final figures: `final.<metric>`, so they never mix with history.json's
    per-epoch curves of the same Keras name, then health, score and diagnostics."""
    figures: dict[str, float | int | None] = {
        f"final.{name}": value for name, value in record.metrics.model_dump().items()
    }
    figures.update({f"health.{name}": v for name, v in record.health.by_name().items()})
    figures["total_score"] = record.total_score
    figures["diagnostics.health_score"] = record.diagnostics.health_score
    figures["diagnostics.issue_count"] = record.diagnostics.issue_count
    figures["epochs_run"] = record.epochs_run
    figures["num_parameters"] = record.num_parameters
    return figures


def _config_params(config: Mapping[str, Any]) -> dict[str, Any]:
    """The run's settings as parameters: nested ones as `outer.inner`, None left out, and
    nothing that names a credential or a storage or tracking URL."""
    params: dict[str, Any] = {}
    for name, value in config.items():
        if name in UNLOGGED_CONFIG or is_secret_name(name) or value is None:
            continue
        if isinstance(value, Mapping):
            nested = _config_params(value)
            params.update({f"{name}.{inner}": v for inner, v in nested.items()})
        else:
            params[name] = redact(str(value))
    return params


def _read_history(path: Path) -> dict[str, list[Any]]:
    """history.json's curves; an absent or unreadable file gives none (with a warning)."""
    if not path.is_file():
        return {}
    try:
        history = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as error:
        log.warning("MLflow: skipping history %s: %s", path, error)
        return {}
    if not isinstance(history, dict):
        return {}
    return {name: values for name, values in history.items() if isinstance(values, list)}


def _finite(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
