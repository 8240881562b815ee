"""A study's status: metadata.json overlaid with the live events of a running study."""

from __future__ import annotations

import json
from pathlib import Path

from healthopt.api.study_status import LiveStudy, study_status
from healthopt.records import EpochEndEvent, Mode, RunStartedEvent, TrialFinishedEvent, TrialMetrics
from healthopt.study.config import StudyConfig
from healthopt.study.runner import ComparisonStudy

RESULTS_V0 = Path(__file__).parents[1] / "study" / "data" / "results_v0_digits.json"


def _finished(done: int, accuracy: float) -> TrialFinishedEvent:
    return TrialFinishedEvent(
        trial_number=done - 1,
        state="COMPLETE",
        metrics=TrialMetrics(val_accuracy=accuracy),
        trials_done=done,
        trials_total=4,
    )


def _building(tmp_path: Path):
    config = StudyConfig(runs_per_mode=2, trials_per_run=4, output_dir=str(tmp_path), study_id="s")
    study = ComparisonStudy(config)
    metadata = study.metadata().with_updates(state="running")
    return metadata, study.paths


def test_live_events_show_the_run_in_progress_and_the_best_trial(tmp_path):
    metadata, paths = _building(tmp_path)
    live = LiveStudy()
    tags = {"study_mode": Mode.HEALTH_AWARE, "run_index": 1}
    for event in (
        {"kind": "study_run_started", **tags, "trials_total": 4},
        # A resumed run kept one trial. Run events come as records, or as their JSON.
        RunStartedEvent(run_name="r", trials_total=4, trials_done=1, **tags),
        _finished(2, 0.6).to_json() | tags,
        _finished(3, 0.5).model_copy(update=tags),
        EpochEndEvent(trial_number=3, epoch=1, epochs=2, **tags),
    ):
        live.update(event)
    status = study_status(metadata, paths, live)
    health = status.health_aware_progress
    assert (health.current_run, health.current_trials_done, health.best_val_accuracy) == (1, 3, 0.6)
    accuracy = status.accuracy_only_progress
    assert (accuracy.current_run, accuracy.current_trials_done) == (None, 0)
    assert (accuracy.runs_total, accuracy.trials_per_run, accuracy.runs_completed) == (2, 4, 0)
    live.update({"kind": "study_run_finished", **tags, "record": {}})
    assert study_status(metadata, paths, live).health_aware_progress.current_run is None


def test_ablation_runs_count_apart_from_the_health_aware_runs(tmp_path):
    metadata, paths = _building(tmp_path)
    metadata = metadata.with_updates(phase="analyzing", modules_requested=["ablation"])
    live = LiveStudy()
    tags = {"study_mode": Mode.HEALTH_AWARE, "run_index": 2, "ablation_component": "weight_health"}
    live.update({"kind": "study_run_started", **tags})
    live.update(_finished(1, 1.0).to_json() | tags)
    status = study_status(metadata, paths, live)
    assert status.health_aware_progress.current_run is None
    assert status.health_aware_progress.best_val_accuracy is None
    ablation = status.ablation_progress
    assert ablation is not None and ablation.current_component == "weight_health"
    assert (ablation.components_completed, ablation.components_total) == (0, 6)
    # Before the analysis process reports, nothing counts as analysed.
    assert status.analysis.modules_completed == [] and status.analysis.current_module is None


def test_module_events_and_the_holdout_of_results_json(tmp_path):
    metadata, paths = _building(tmp_path)
    metadata = metadata.with_updates(phase="analyzing", modules_requested=["generalization"])
    live = LiveStudy()
    live.update({"kind": "analysis_started", "modules": ["generalization", "calibration"]})
    live.update({"kind": "module_started", "module": "generalization"})
    live.update({"kind": "module_finished", "module": "generalization"})
    live.update({"kind": "module_started", "module": "calibration"})
    analysis = study_status(metadata, paths, live).analysis
    assert analysis.modules_completed == ["generalization"]
    assert analysis.current_module == "calibration"
    assert study_status(metadata, paths, None).best_models_selected is True

    paths.analysis_dir.mkdir(parents=True)
    results = json.loads(RESULTS_V0.read_text())  # a results.json as written before versioning
    results["best_models"]["accuracy_only"]["holdout_accuracy"] = 0.75
    del results["best_models"]["health_aware"]
    paths.results.write_text(json.dumps(results))
    analysed = metadata.with_updates(phase="analyzed", state="completed")
    status = study_status(analysed, paths, None)
    assert status.accuracy_only_progress.best_holdout_accuracy == 0.75
    assert status.health_aware_progress.best_holdout_accuracy is None
    assert status.results_available and not status.report_available
    # a results.json that is not one leaves the holdout unknown instead of failing the status
    paths.results.write_text(json.dumps({"best_models": {"accuracy_only": {}}}))
    assert study_status(analysed, paths, None).accuracy_only_progress.best_holdout_accuracy is None
