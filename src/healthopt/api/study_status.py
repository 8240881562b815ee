"""A comparison study's status as the API reports it: metadata.json, overlaid with what the
running study's events said since (too frequent to write to metadata.json)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from healthopt.api.schemas.studies import (
    AblationProgress,
    AnalysisProgress,
    ModeProgress,
    StudySettings,
    StudyStatus,
)
from healthopt.records import (
    HEALTH_COMPONENTS,
    Mode,
    Record,
    RunStartedEvent,
    SchemaError,
    TrialFinishedEvent,
    read_event,
)
from healthopt.records.study import StudyResults
from healthopt.study.config import STUDY_MODES
from healthopt.study.layout import StudyPaths
from healthopt.study.metadata import StudyMetadata


@dataclass
class _ModeLive:
    current_run: int | None = None
    trials_done: int = 0
    best_val_accuracy: float | None = None


@dataclass
class LiveStudy:
    """What a running study is doing now, from its events; too frequent for metadata.json."""

    modes: dict[Mode, _ModeLive] = field(
        default_factory=lambda: {m: _ModeLive() for m in STUDY_MODES}
    )
    ablation_component: str | None = None
    analysing: bool = False
    modules_completed: list[str] = field(default_factory=list)
    current_module: str | None = None

    def update(self, event: Mapping[str, Any] | Record) -> None:
        """Fold one study event in: the study's own (a JSON object) or one of its runs' events
        (a record, or its JSON), tagged with `study_mode`, `run_index` and, for ablation runs,
        `ablation_component`."""
        if isinstance(event, Record):
            event = event.to_json()
        kind = event.get("kind")
        component = event.get("ablation_component")
        if kind in ("study_run_started", "study_run_finished") and component is not None:
            self.ablation_component = component if kind == "study_run_started" else None
        elif kind == "analysis_started":
            self.analysing, self.modules_completed, self.current_module = True, [], None
        elif kind == "module_started":
            self.current_module = event.get("module")
        elif kind == "module_finished":
            self.modules_completed.append(str(event.get("module")))
            self.current_module = None
        elif component is None and event.get("study_mode") in self.modes:
            # `study_mode` is a Mode's value ("simple", "health-aware").
            self._update_mode(self.modes[Mode(event["study_mode"])], kind, event)

    @staticmethod
    def _update_mode(mode: _ModeLive, kind: Any, event: Mapping[str, Any]) -> None:
        if kind == "study_run_started":
            mode.current_run, mode.trials_done = event.get("run_index"), 0
        elif kind == "study_run_finished":
            mode.current_run, mode.trials_done = None, 0
        elif kind in ("run_started", "trial_finished"):
            try:
                run_event = read_event(dict(event))
            except SchemaError:
                return
            if isinstance(run_event, RunStartedEvent | TrialFinishedEvent):
                mode.trials_done = run_event.trials_done
            if isinstance(run_event, TrialFinishedEvent):
                accuracy = run_event.metrics.val_accuracy
                if accuracy is not None:
                    best = mode.best_val_accuracy
                    mode.best_val_accuracy = accuracy if best is None else max(best, accuracy)


def study_status(metadata: StudyMetadata, paths: StudyPaths, live: LiveStudy | None) -> StudyStatus:
    """metadata.json overlaid with what the running study's events said since."""
    config = metadata.config
    holdout = _holdout_accuracies(paths) if paths.results.is_file() else {}
    modes = {mode: _mode_progress(metadata, mode, live, holdout.get(mode)) for mode in STUDY_MODES}
    return StudyStatus(
        study_id=metadata.study_id,
        dataset_name=str(config.get("dataset_name", "")),
        phase=metadata.phase,
        state=metadata.state,
        error=metadata.error,
        accuracy_only_progress=modes[Mode.SIMPLE],
        health_aware_progress=modes[Mode.HEALTH_AWARE],
        ablation_progress=_ablation_progress(metadata, live),
        analysis=_analysis_progress(metadata, live),
        best_models_selected=metadata.phase != "building",
        results_available=paths.results.is_file(),
        report_available=paths.report.is_file(),
        config=StudySettings.model_validate(config),
        created_at=metadata.created_at,
        updated_at=metadata.updated_at,
    )


def _mode_progress(
    metadata: StudyMetadata, mode: Mode, live: LiveStudy | None, holdout: float | None
) -> ModeProgress:
    runs = metadata.runs_of(mode)
    completed = [r for r in runs if r.completed]
    current = next((r for r in runs if r.status == "running"), None)
    current_run, trials_done = (current.index, current.trials_done) if current else (None, 0)
    accuracies = [r.val_accuracy for r in completed if r.val_accuracy is not None]
    if live is not None:
        mode_live = live.modes[mode]
        if mode_live.current_run is not None:
            current_run, trials_done = mode_live.current_run, mode_live.trials_done
        if mode_live.best_val_accuracy is not None:
            accuracies.append(mode_live.best_val_accuracy)
    return ModeProgress(
        runs_total=int(metadata.config.get("runs_per_mode", len(runs))),
        runs_completed=len(completed),
        runs_failed=sum(r.status == "failed" for r in runs),
        current_run=current_run,
        current_trials_done=trials_done,
        trials_per_run=int(metadata.config.get("trials_per_run", 0)),
        best_val_accuracy=max(accuracies) if accuracies else None,
        best_holdout_accuracy=holdout,
    )


def _ablation_progress(metadata: StudyMetadata, live: LiveStudy | None) -> AblationProgress | None:
    runs = metadata.ablation_runs()
    if not runs and "ablation" not in metadata.modules_requested:
        return None
    return AblationProgress(
        components_completed=sum(r.completed for r in runs),
        components_total=len(HEALTH_COMPONENTS),
        current_component=live.ablation_component if live is not None else None,
    )


def _analysis_progress(metadata: StudyMetadata, live: LiveStudy | None) -> AnalysisProgress:
    completed, current = list(metadata.modules_completed), None
    if live is not None and live.analysing:
        completed, current = list(live.modules_completed), live.current_module
    elif metadata.phase == "analyzing":
        completed, current = [], None  # ablation runs first, or a restart resumes it
    return AnalysisProgress(
        modules_requested=list(metadata.modules_requested),
        modules_completed=completed,
        current_module=current,
    )


def _holdout_accuracies(paths: StudyPaths) -> dict[Mode, float | None]:
    """Each mode's selected model on the holdout, from the study's results.json."""
    try:
        best = StudyResults.from_json(paths.results.read_bytes()).best_models
    except (OSError, SchemaError):
        return {}
    return {mode: best[mode].holdout_accuracy for mode in STUDY_MODES if mode in best}
