"""A trial folder's files, read once each and checked, for the trial plots.

Every accessor returns the parsed content or raises `MissingInput` whose message is the
reason a plot is skipped ("observer.json not found", "history.json: not valid JSON ...").
A file is read at most once however many plots need it, and a bad file costs only the plots
that read it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from healthopt.plots.inputs import PlotInputs, PlotInputsError, load_plot_inputs
from healthopt.records import ArchitectureSummary, EpochRecord, SchemaError, read_epochs

HISTORY = "history.json"
OBSERVER = "observer.json"
HEALTH = "health.json"
DIAGNOSTICS = "diagnostics.json"
ARCHITECTURE = "architecture.json"
ANALYSIS = "analysis.json"
PLOT_INPUTS = "plot_inputs.npz"


class MissingInput(Exception):
    """The input a plot needs is absent or unusable; the message says which and why."""


class _Result:
    """A value or the reason there is none, so a failed read is not retried per plot."""

    def __init__(self, read: Callable[[], Any]):
        try:
            self.value, self.reason = read(), None
        except MissingInput as exc:
            self.value, self.reason = None, str(exc)

    def get(self) -> Any:
        if self.reason is not None:
            raise MissingInput(self.reason)
        return self.value


class TrialData:
    """Lazy, cached access to the files of one trial folder."""

    def __init__(self, trial_dir: Path):
        self.trial_dir = Path(trial_dir)

    def _json(self, name: str, kind: type) -> Any:
        path = self.trial_dir / name
        if not path.is_file():
            raise MissingInput(f"{name} not found in {self.trial_dir}")
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise MissingInput(f"{name}: not valid JSON ({exc})") from exc
        if not isinstance(data, kind):
            raise MissingInput(
                f"{name}: expected a JSON {'object' if kind is dict else 'list'}, "
                f"found {type(data).__name__}"
            )
        return data

    @cached_property
    def _history(self) -> _Result:
        return _Result(lambda: self._json(HISTORY, dict))

    @cached_property
    def _epochs(self) -> _Result:
        def read() -> list[EpochRecord]:
            # Entries that are not objects are dropped, as before records were typed.
            found = [r for r in self._json(OBSERVER, list) if isinstance(r, dict)]
            if not found:
                raise MissingInput(f"{OBSERVER} holds no epoch records")
            try:
                return read_epochs(found)
            except SchemaError as exc:
                raise MissingInput(f"{OBSERVER}: {exc}") from exc

        return _Result(read)

    @cached_property
    def _health(self) -> _Result:
        return _Result(lambda: self._json(HEALTH, dict))

    @cached_property
    def _diagnostics(self) -> _Result:
        return _Result(lambda: self._json(DIAGNOSTICS, dict))

    @cached_property
    def _architecture(self) -> _Result:
        def read() -> ArchitectureSummary:
            try:
                return ArchitectureSummary.from_json(self._json(ARCHITECTURE, dict))
            except SchemaError as exc:
                raise MissingInput(f"{ARCHITECTURE}: {exc}") from exc

        return _Result(read)

    @cached_property
    def _analysis(self) -> _Result:
        return _Result(lambda: self._json(ANALYSIS, dict))

    @cached_property
    def _inputs(self) -> _Result:
        def read() -> PlotInputs:
            path = self.trial_dir / PLOT_INPUTS
            if not path.is_file():
                raise MissingInput(f"{PLOT_INPUTS} not found in {self.trial_dir}")
            try:
                return load_plot_inputs(path)
            except PlotInputsError as exc:
                raise MissingInput(str(exc)) from exc

        return _Result(read)

    def history(self) -> dict[str, Any]:
        return self._history.get()

    def epochs(self) -> list[EpochRecord]:
        return self._epochs.get()

    def health(self) -> dict[str, Any]:
        return self._health.get()

    def diagnostics(self) -> dict[str, Any]:
        return self._diagnostics.get()

    def architecture(self) -> ArchitectureSummary:
        return self._architecture.get()

    def analysis(self) -> dict[str, Any]:
        return self._analysis.get()

    def analysis_section(self, key: str) -> dict[str, Any]:
        """One object-valued section of analysis.json: "spectral", "calibration", ..."""
        section = self._analysis.get().get(key)
        if not isinstance(section, dict):
            raise MissingInput(f"{ANALYSIS} has no '{key}' section")
        return section

    def inputs(self) -> PlotInputs:
        return self._inputs.get()
