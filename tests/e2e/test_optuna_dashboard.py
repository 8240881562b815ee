"""optuna-dashboard, started on a real run's study, shows what healthopt measured (issue 18).

One real run (digits, 3 trials x 3 epochs, about a minute on a loaded machine) where trial 1
gets the learning rate that makes the loss NaN at once, so health pruning stops it at epoch 1.
optuna-dashboard's own command is then started on the run's `study.db`, and its JSON API is
read as the dashboard's UI reads it: the objective's name, the flat user attributes (its
trials table, sortable where numeric) and the intermediate values (its learning curves).
`trials_dataframe()` is checked for the same columns. Nothing here reads healthopt's code back.
"""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import optuna
import pandas as pd
import pytest

from healthopt.config import ModelConfig, OptimizationConfig
from healthopt.models.search_space import HyperparameterSelector, SuggestsParameters
from healthopt.optimize import ModelOptimizer
from healthopt.records import HEALTH_COMPONENTS

from ..http_server import unused_port

pytestmark = pytest.mark.slow

EPOCHS = 3
DIVERGING_TRIAL = 1
DIVERGING = ModelConfig(optimizer="sgd", learning_rate=1e6, activation="gelu")
# optuna-dashboard shows a user attribute of up to this many characters (MAX_ATTR_LENGTH).
DASHBOARD_ATTR_LIMIT = 1024
# The figures every complete trial carries, each a numeric (so sortable) column.
COMPLETE_FIGURES = {
    "val_accuracy",
    "test_accuracy",
    "health",
    "diagnostics_score",
    "parameters",
    "fit_seconds",
    "epochs_run",
    *HEALTH_COMPONENTS,
}
# What a pruned trial carries: how far it got, and who stopped it, where and why.
PRUNE_FIGURES = {
    "val_accuracy",
    "epochs_run",
    "pruned_by",
    "prune_check",
    "prune_epoch",
    "prune_reason",
}
# The only user attributes that are text, so the dashboard cannot sort them.
TEXT_ATTRS = {"pruned_by", "prune_check", "prune_reason", "fail_reason"}


class OneDivergingTrial(HyperparameterSelector):
    """The image search space with one conv layer (fast), except that one trial gets the
    learning rate whose loss is NaN in its first epoch."""

    def __init__(self) -> None:
        super().__init__("image")

    def suggest(self, trial: SuggestsParameters) -> ModelConfig:
        config = replace(super().suggest(trial), num_layers_conv=1)
        return DIVERGING if getattr(trial, "number", None) == DIVERGING_TRIAL else config


@dataclass(frozen=True)
class Run:
    """The finished run's study, and the storage URL a user would hand optuna-dashboard."""

    storage_url: str
    study: optuna.Study


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("dashboard")
    config = OptimizationConfig(
        dataset_name="digits",
        trials=3,
        max_epochs_per_trial=EPOCHS,
        seed=1,
        output_dir=str(out),
        run_name="run",
        plot_generation="none",
        pruner="median",
    )
    ModelOptimizer(config, selector=OneDivergingTrial()).optimize_model()
    storage_url = f"sqlite:///{(out / 'run' / 'study.db').resolve()}"
    return Run(storage_url, optuna.load_study(study_name="run", storage=storage_url))


class Dashboard:
    """`optuna-dashboard <storage>` as a user starts it, on a free loopback port."""

    def __init__(self, storage_url: str, log: Path) -> None:
        port = unused_port()
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        command = Path(sys.executable).with_name("optuna-dashboard")
        assert command.exists(), "optuna-dashboard (a dev dependency) is not installed"
        with open(log, "wb") as sink:
            # wsgiref, named: "auto" would pick gunicorn wherever it happens to be installed.
            self.process = subprocess.Popen(
                [str(command), storage_url, "--host", "127.0.0.1", "--port", str(port),
                 "--server", "wsgiref"],
                stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")
            try:
                self.get("/api/meta")
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("optuna-dashboard did not answer\n" + self.log.read_text())

    def text(self, path: str) -> str:
        with urllib.request.urlopen(self.base + path, timeout=30) as response:
            return response.read().decode()

    def get(self, path: str) -> dict:
        return json.loads(self.text(path))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def dashboard(run: Run, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    server = Dashboard(run.storage_url, tmp_path_factory.mktemp("od") / "dashboard.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def detail(dashboard: Dashboard) -> dict:
    """The study as the dashboard's UI loads it: the list, then the chosen study's detail."""
    studies = dashboard.get("/api/studies")["study_summaries"]
    assert [(s["study_name"], s["directions"]) for s in studies] == [("run", ["maximize"])]
    return dashboard.get(f"/api/studies/{studies[0]['study_id']}?after=0")


def _attrs(trial: dict) -> dict[str, str]:
    return {a["key"]: a["value"] for a in trial["user_attrs"]}


def test_the_run_has_complete_trials_and_one_pruned_by_health(detail: dict):
    states = [t["state"] for t in sorted(detail["trials"], key=lambda t: t["number"])]
    assert len(states) == 3 and states[DIVERGING_TRIAL] == "Pruned"
    assert states.count("Complete") >= 1  # the median pruner may stop trial 2 as well
    assert detail["objective_names"] == ["total_score"]  # not "Objective 0"
    best = detail["best_trials"]
    assert len(best) == 1 and best[0]["state"] == "Complete"
    complete = [t for t in detail["trials"] if t["state"] == "Complete"]
    assert best[0]["values"] == [max(t["values"][0] for t in complete)]


def test_each_trial_shows_its_figures_as_short_flat_columns(detail: dict):
    for trial in detail["trials"]:
        attrs = _attrs(trial)
        if trial["state"] == "Complete":
            assert COMPLETE_FIGURES <= set(attrs), trial["number"]
            assert not TEXT_ATTRS & set(attrs)
            assert 0 <= float(attrs["health"]) <= 1
            assert 0 <= float(attrs["diagnostics_score"]) <= 100
            assert int(attrs["parameters"]) > 0 and float(attrs["fit_seconds"]) > 0
            assert int(attrs["epochs_run"]) == EPOCHS
        else:
            assert trial["state"] == "Pruned"
            assert PRUNE_FIGURES <= set(attrs), trial["number"]
            assert attrs["pruned_by"] in {"health", "pruner"}
            assert attrs["prune_reason"] and int(attrs["prune_epoch"]) == int(attrs["epochs_run"])
            assert "test_accuracy" not in attrs  # a pruned trial is never tested
        for key, value in attrs.items():
            assert len(value) < DASHBOARD_ATTR_LIMIT, key
            if key not in TEXT_ATTRS:
                assert math.isfinite(float(value)), (key, value)  # a figure, not a dict or text
    for value in _attrs(detail).values():  # the study's own attributes, cut the same way
        assert len(value) < DASHBOARD_ATTR_LIMIT


def test_the_diverging_trial_says_health_pruned_it_at_epoch_1(detail: dict):
    diverged = next(t for t in detail["trials"] if t["number"] == DIVERGING_TRIAL)
    attrs = _attrs(diverged)
    assert (attrs["pruned_by"], attrs["prune_check"], attrs["prune_epoch"]) == (
        "health",
        "nan_in_loss",
        "1",
    )
    assert "NaN" in attrs["prune_reason"]


def test_every_figure_column_is_sortable(detail: dict):
    """The dashboard sorts a user attribute only when every trial's value is a number."""
    sortable = {a["key"]: a["sortable"] for a in detail["union_user_attrs"]}
    assert COMPLETE_FIGURES | PRUNE_FIGURES <= set(sortable)
    assert {key for key, ok in sortable.items() if not ok} <= TEXT_ATTRS
    assert all(sortable[key] for key in COMPLETE_FIGURES)


def test_every_trial_has_a_learning_curve_one_point_per_epoch(detail: dict):
    assert detail["has_intermediate_values"] is True
    for trial in detail["trials"]:
        attrs = _attrs(trial)
        curve = trial["intermediate_values"]
        assert [p["step"] for p in curve] == list(range(1, int(attrs["epochs_run"]) + 1))
        assert all(0 <= p["value"] <= 1 for p in curve), curve
        # The curve ends at the trial's validation accuracy.
        assert curve[-1]["value"] == pytest.approx(float(attrs["val_accuracy"]), abs=1e-6)


def test_the_dashboards_csv_names_the_objective_and_the_health_columns(
    dashboard: Dashboard, detail: dict
):
    study_id = detail["trials"][0]["study_id"]
    rows = list(csv.reader(io.StringIO(dashboard.text(f"/csv/{study_id}"))))
    header = rows[0]
    assert header[:3] == ["Number", "State", "total_score"]
    assert {f"UserAttribute {name}" for name in COMPLETE_FIGURES | PRUNE_FIGURES} <= set(header)
    assert len(rows) == 1 + 3


def test_trials_dataframe_has_the_same_columns_with_numeric_dtypes(run: Run):
    frame = run.study.trials_dataframe()
    assert "value_total_score" in frame.columns
    for name in COMPLETE_FIGURES | {"prune_epoch"}:
        column = f"user_attrs_{name}"
        assert pd.api.types.is_numeric_dtype(frame[column]), (column, frame[column].dtype)
    diverged = frame.set_index("number").loc[DIVERGING_TRIAL]
    assert (diverged["state"], diverged["user_attrs_pruned_by"]) == ("PRUNED", "health")
    # Optuna's convention: a pruned trial's value is its last intermediate value, so the
    # dashboard's total_score column shows its val accuracy there (it is never the best).
    pruned = frame[frame["state"] == "PRUNED"]
    expected = list(pruned["user_attrs_val_accuracy"])
    assert list(pruned["value_total_score"]) == pytest.approx(expected, abs=1e-6)
    # No user attribute is a nested record: every cell is a number, a string or missing.
    for trial in run.study.trials:
        for key, value in trial.user_attrs.items():
            assert isinstance(value, int | float | str) and not isinstance(value, bool), key
