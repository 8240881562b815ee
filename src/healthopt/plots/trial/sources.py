"""A trial folder's files, read once each and checked, for the trial plots.

Every accessor returns the file as a typed record or raises `MissingInput` whose message is
the reason a plot is skipped ("observer.json not found", "history.json: not valid JSON ...",
"health.json: not a valid HealthFile: components: Field required").
A file is read at most once however many plots need it, and a bad file costs only the plots
that read it. What several figures derive from the same file (the validation predictions)
is derived once too, and `preload` reads everything up front, so figures drawn in forked
processes share the one read made before the fork.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np
from pydantic import TypeAdapter, ValidationError

from healthopt.analysis.files import ModelAnalysisFile
from healthopt.plots.inputs import PlotInputs, PlotInputsError, load_plot_inputs
from healthopt.records import (
    ArchitectureSummary,
    EpochRecord,
    Finite,
    HealthValues,
    Record,
    SchemaError,
    read_epochs,
)

HISTORY = "history.json"
OBSERVER = "observer.json"
HEALTH = "health.json"
DIAGNOSTICS = "diagnostics.json"
ARCHITECTURE = "architecture.json"
ANALYSIS = "analysis.json"
PLOT_INPUTS = "plot_inputs.npz"

T = TypeVar("T")
R = TypeVar("R", bound=Record)
# history.json: Keras's history, metric -> one value per epoch (None for a non-finite one).
KerasHistory = dict[str, list[float | None]]
_HISTORY = TypeAdapter(dict[str, list[Finite]])


class HealthFile(Record):
    """health.json (`health.metrics.HealthReport.to_dict`): the six components, and why a
    component is None; its per-component `details` are not drawn."""

    components: HealthValues
    reasons: dict[str, str] = {}


class DiagnosedIssue(Record):
    """One issue of diagnostics.json, as far as the plots show it."""

    check: str | None = None
    severity: str | None = None
    category: str | None = None
    title: str | None = None


class IssueBreakdown(Record):
    severity_breakdown: dict[str, int] = {}
    category_breakdown: dict[str, int] = {}


class DiagnosticsFile(Record):
    """The parts of diagnostics.json (`diagnostics.engine.DiagnosticReport.to_dict`) the
    plots read; the rest of the report is kept as unknown keys."""

    health_score: Finite = None
    checks_run: int | None = None
    summary_json: IssueBreakdown = IssueBreakdown()
    issues: list[DiagnosedIssue] = []


@dataclass(frozen=True, eq=False)
class Predictions:
    """The validation predictions in plot_inputs.npz, as the classification figures read
    them: `probs` (n, C) float64, `labels` (n,) int64, `predicted` (n,) the argmax class,
    and `classes`, the larger of C and the highest label + 1."""

    probs: np.ndarray
    labels: np.ndarray
    predicted: np.ndarray
    classes: int


class MissingInput(Exception):
    """The input a plot needs is absent or unusable; the message says which and why."""


class _Result(Generic[T]):
    """A value or the reason there is none, so a failed read is not retried per plot."""

    def __init__(self, read: Callable[[], T]):
        self._outcome: tuple[T] | str  # (the value,) or the reason there is none
        try:
            self._outcome = (read(),)
        except MissingInput as exc:
            self._outcome = str(exc)

    def get(self) -> T:
        if isinstance(self._outcome, str):
            raise MissingInput(self._outcome)
        return self._outcome[0]


class TrialData:
    """Lazy, cached access to the files of one trial folder."""

    def __init__(self, trial_dir: Path):
        self.trial_dir = Path(trial_dir)

    def _parsed(self, name: str) -> object:
        path = self.trial_dir / name
        if not path.is_file():
            raise MissingInput(f"{name} not found in {self.trial_dir}")
        try:
            return json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MissingInput(f"{name}: not valid JSON ({exc})") from exc

    def _object(self, name: str) -> dict[str, object]:
        data = self._parsed(name)
        if not isinstance(data, dict):
            raise MissingInput(f"{name}: expected a JSON object, found {type(data).__name__}")
        return data

    def _record(self, name: str, kind: type[R]) -> R:
        try:
            return kind.from_json(self._object(name))
        except SchemaError as exc:
            raise MissingInput(f"{name}: {exc}") from exc

    @cached_property
    def _history(self) -> _Result[KerasHistory]:
        def read() -> KerasHistory:
            try:
                return _HISTORY.validate_python(self._object(HISTORY))
            except ValidationError as exc:
                where = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]
                )
                raise MissingInput(f"{HISTORY}: not metric -> per-epoch values ({where})") from exc

        return _Result(read)

    @cached_property
    def _epochs(self) -> _Result[list[EpochRecord]]:
        def read() -> list[EpochRecord]:
            data = self._parsed(OBSERVER)
            if not isinstance(data, list):
                raise MissingInput(f"{OBSERVER}: expected a JSON list, found {type(data).__name__}")
            # Entries that are not objects are dropped, as before records were typed.
            found = [r for r in data if isinstance(r, dict)]
            if not found:
                raise MissingInput(f"{OBSERVER} holds no epoch records")
            try:
                return read_epochs(found)
            except SchemaError as exc:
                raise MissingInput(f"{OBSERVER}: {exc}") from exc

        return _Result(read)

    @cached_property
    def _health(self) -> _Result[HealthFile]:
        return _Result(lambda: self._record(HEALTH, HealthFile))

    @cached_property
    def _diagnostics(self) -> _Result[DiagnosticsFile]:
        return _Result(lambda: self._record(DIAGNOSTICS, DiagnosticsFile))

    @cached_property
    def _architecture(self) -> _Result[ArchitectureSummary]:
        return _Result(lambda: self._record(ARCHITECTURE, ArchitectureSummary))

    @cached_property
    def _analysis(self) -> _Result[ModelAnalysisFile]:
        return _Result(lambda: self._record(ANALYSIS, ModelAnalysisFile))

    @cached_property
    def _inputs(self) -> _Result[PlotInputs]:
        def read() -> PlotInputs:
            path = self.trial_dir / PLOT_INPUTS
            if not path.is_file():
                raise MissingInput(f"{PLOT_INPUTS} not found in {self.trial_dir}")
            try:
                return load_plot_inputs(path)
            except PlotInputsError as exc:
                raise MissingInput(str(exc)) from exc

        return _Result(read)

    @cached_property
    def _predictions(self) -> _Result[Predictions]:
        def read() -> Predictions:
            inputs = self.inputs()
            if inputs.probs is None or not len(inputs.probs):
                raise MissingInput("plot_inputs.npz holds no validation probabilities")
            if inputs.labels is None or not len(inputs.labels):
                raise MissingInput("plot_inputs.npz holds no validation labels")
            probs = np.asarray(inputs.probs, dtype=np.float64)
            labels = np.asarray(inputs.labels, dtype=np.int64)
            classes = max(probs.shape[1], int(labels.max()) + 1)
            return Predictions(probs, labels, probs.argmax(axis=1), classes)

        return _Result(read)

    def preload(self) -> None:
        """Read every file and derive the predictions now; a missing or bad input keeps
        its reason for the figures that need it, as it would when read lazily."""
        # Each cached property reads its file on first access and keeps the outcome.
        _ = (
            self._history,
            self._epochs,
            self._health,
            self._diagnostics,
            self._architecture,
            self._analysis,
            self._inputs,
            self._predictions,
        )

    def history(self) -> KerasHistory:
        return self._history.get()

    def epochs(self) -> list[EpochRecord]:
        return self._epochs.get()

    def health(self) -> HealthFile:
        return self._health.get()

    def diagnostics(self) -> DiagnosticsFile:
        return self._diagnostics.get()

    def architecture(self) -> ArchitectureSummary:
        return self._architecture.get()

    def analysis(self) -> ModelAnalysisFile:
        """analysis.json: the analyzer's results for the trial's model."""
        return self._analysis.get()

    def inputs(self) -> PlotInputs:
        return self._inputs.get()

    def predictions(self) -> Predictions:
        """The validation predictions that the confusion matrix, per-class accuracy,
        calibration and sample figures share."""
        return self._predictions.get()
