"""ModelOptimizer: the trial loop with scripted trials (milliseconds), and one real run.

The scripted executor (`scripted.py`) gives each trial a chosen outcome, so resume, budget,
timeout, stop, scoring, results.json and assembly are checked exactly and fast. What a real
trial measures is checked in tests/test_trial.py; the last test here runs the real
LocalExecutor once, end to end, into optimized_model/.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import optuna
import pytest

from healthopt.artifacts.base import sha256_file
from healthopt.artifacts.integrity import ModelCorrupt
from healthopt.config import (
    HEALTH_COMPONENTS,
    ConfigError,
    ModelConfig,
    OptimizationConfig,
    ScoringWeights,
)
from healthopt.health.scoring import total_score
from healthopt.models.search_space import HyperparameterSelector
from healthopt.optimize import ModelOptimizer, RunStopped
from healthopt.optimize.optimizer import OptimizationResult, _too_late_to_prune, default_run_name
from healthopt.optimize.search import make_sampler
from healthopt.optimize.study import load_shared_config, open_study
from healthopt.records import (
    AnalysisSummary,
    DiagnosticsSummary,
    EpochEndEvent,
    Mode,
    NoticeEvent,
    PlotsDrawnEvent,
    PruneInfo,
    RunEvent,
    RunFinishedEvent,
    RunResults,
    TrialFinishedEvent,
    TrialStartedEvent,
)

from .scripted import (
    MODEL_BYTES,
    MODEL_SHA256,
    Outcome,
    Script,
    ScriptedExecutor,
    alarmed,
    complete,
    fail,
    hang,
    learning,
)

# TPE's group switch and Study.set_metric_names are experimental in Optuna; the warnings are known.
pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
NAN_ERROR = "loss became NaN at epoch 1, batch 2 (learning_rate=1000000.0, optimizer=sgd)"
HEALTHY = dict.fromkeys(HEALTH_COMPONENTS, 0.8)


def _config(tmp_path: Path, **overrides) -> OptimizationConfig:
    values = dict(
        dataset_name="digits",
        trials=3,
        max_epochs_per_trial=1,
        seed=1,
        output_dir=str(tmp_path),
        run_name="run",
        plot_generation="none",
    )
    values.update(overrides)
    return OptimizationConfig(**values)


def _optimize(
    config: OptimizationConfig,
    script: Script,
    events: list[RunEvent] | None = None,
    capacity: int = 1,
    sampler: optuna.samplers.BaseSampler | None = None,
) -> tuple[OptimizationResult, ScriptedExecutor]:
    """One run on a scripted executor; the executor's events and the run's share `events`."""
    on_event = events.append if events is not None else None
    executor = ScriptedExecutor(script, capacity=capacity, on_event=on_event)
    try:
        optimizer = ModelOptimizer(config, executor=executor, on_event=on_event, sampler=sampler)
        result = optimizer.optimize_model()
    finally:
        executor.shutdown()
    return result, executor


def _results(run_dir: Path) -> RunResults:
    return RunResults.from_json((run_dir / "results.json").read_text())


# -- results.json and assembly ---------------------------------------------------------
def test_a_failing_trial_is_recorded_and_the_study_completes(tmp_path: Path):
    events: list[RunEvent] = []
    config = _config(tmp_path)
    result, executor = _optimize(
        config, [complete(0.9, seconds=0.01), fail(NAN_ERROR), complete(0.8)], events
    )
    run = tmp_path / "run"
    data = json.loads((run / "results.json").read_text())
    assert data["run_name"] == "run" and data["dataset"] == "digits" and data["mode"] == "simple"
    assert [t["number"] for t in data["trials"]] == [0, 1, 2]
    states = {t["number"]: t["state"] for t in data["trials"]}
    assert states == {0: "COMPLETE", 1: "FAIL", 2: "COMPLETE"}
    assert data["trials"][1]["error"] == NAN_ERROR
    for trial in data["trials"]:
        assert {"number", "state", "params", "metrics", "timings"} <= set(trial)
        assert set(trial["params"]) >= {"lr_schedule", "optimizer", "num_layers_conv"}
    # Best by accuracy, though it is neither the last trial nor the last complete one.
    assert data["best_trial"] == 0 == result.best_trial
    assert {"val_accuracy", "val_loss", "test_accuracy"} <= set(data["trials"][0]["metrics"])

    # Each trial got its own seed, budget and folder; without plots, no plots folder.
    assert [s.trial_number for s in executor.specs] == [0, 1, 2]
    for spec in executor.specs:
        assert spec.seed == config.seed + spec.trial_number and spec.epochs == 1
        assert spec.output_dir == str((run / "trials" / f"trial_{spec.trial_number}").resolve())
        assert spec.plots_dir is None and spec.dataset_name == "digits"
        assert spec.params == data["trials"][spec.trial_number]["params"]

    # Assembly copied the best trial's files, its model under the accuracy-named file.
    model_path = run / data["optimized_model_path"]
    assert model_path == result.optimized_model_path and model_path.is_file()
    assert model_path.name == "optimized_digits_acc_0.9000.keras"
    assert model_path.read_bytes() == MODEL_BYTES
    folder = model_path.parent
    assert {"history.json", "architecture.json", "result.json"} <= {
        p.name for p in folder.iterdir()
    }
    best_copy = json.loads((folder / "best_trial.json").read_text())
    assert best_copy["number"] == 0 and best_copy["model_file"] == model_path.name
    view = json.loads((folder / "architecture_view.json").read_text())
    assert view  # drawn from the best trial's architecture.json
    assert not (run / "optimized_model.tmp").exists()

    config_json = json.loads((run / "config.json").read_text())
    assert config_json["split_seed"] == 1 and config_json["trials"] == 3
    kinds = [e.kind for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.count("trial_finished") == 3 and kinds.count("epoch_end") == 3
    finished = [e for e in events if isinstance(e, TrialFinishedEvent)]
    assert [(e.trial_number, e.state, e.trials_done) for e in finished] == [
        (0, "COMPLETE", 1),
        (1, "FAIL", 2),
        (2, "COMPLETE", 3),
    ]
    assert finished[1].error == NAN_ERROR and finished[-1].best_trial == 0


def test_a_run_with_no_complete_trial_assembles_nothing(tmp_path: Path):
    result, _ = _optimize(_config(tmp_path, trials=2), [fail("boom"), fail("boom again")])
    data = _results(tmp_path / "run")
    assert [t.state for t in data.trials] == ["FAIL", "FAIL"]
    assert data.best_trial is None and data.optimized_model_path is None
    assert result.best_trial is None and result.optimized_model_path is None
    assert not (tmp_path / "run" / "optimized_model").exists()


# -- resume ----------------------------------------------------------------------------
def test_resume_keeps_finished_trials_and_retires_interrupted_ones(tmp_path: Path):
    _optimize(_config(tmp_path, trials=2), [complete(0.7), complete(0.8)])
    first = _results(tmp_path / "run").trials

    # A process that died mid-trial leaves the trial RUNNING in the storage.
    study = optuna.load_study(
        study_name="run", storage=f"sqlite:///{tmp_path / 'run' / 'study.db'}"
    )
    study.ask()

    result, executor = _optimize(_config(tmp_path, trials=3), [complete(0.75)])
    trials = result.trials
    assert trials[:2] == first  # untouched, params and metrics alike
    assert [s.trial_number for s in executor.specs] == [3]  # nothing finished is run again
    interrupted = [t for t in trials if t.interrupted]
    assert len(interrupted) == 1 and interrupted[0].state == "FAIL"
    assert interrupted[0].number == 2 and "interrupted" in (interrupted[0].error or "")
    counted = [t for t in trials if not t.interrupted]
    assert len(counted) == 3 and all(t.state == "COMPLETE" for t in counted)
    assert result.best_trial == 1  # the best may come from before the resume
    assert result.optimized_model_path is not None and result.optimized_model_path.is_file()


def test_a_model_damaged_after_training_is_passed_over_for_the_next_in_the_ranking(
    tmp_path: Path,
):
    """Probe 6: garbage over the best trial's model.keras, then resume: the next trial in the
    ranking is shipped, and results.json says which trial was passed over and why."""
    config = _config(tmp_path)
    first, _ = _optimize(config, [complete(0.9), complete(0.7), complete(0.8)])
    run = tmp_path / "run"
    shipped = _results(run)
    assert first.best_trial == 0 and shipped.ranking == [0, 2, 1]
    assert {t.model_sha256 for t in shipped.trials} == {MODEL_SHA256}  # recorded at save
    assert shipped.optimized_model_sha256 == MODEL_SHA256
    (run / "trials" / "trial_0" / "model.keras").write_bytes(b"garbage")

    events: list[RunEvent] = []
    result, executor = _optimize(config, [], events)
    assert executor.specs == []  # nothing is trained again
    data = _results(run)
    assert result.best_trial == data.best_trial == 2 and data.ranking == [2, 1]
    assert result.optimized_model_path is not None
    model = result.optimized_model_path.read_bytes()
    assert model == (run / "trials" / "trial_2" / "model.keras").read_bytes()
    assert data.optimized_model_sha256 == hashlib.sha256(model).hexdigest()
    assert data.optimized_model_sha256 == data.trials[2].model_sha256
    assert data.selection is not None and data.selection.fallback_from == [0]
    assert data.selection.trial == 2 and "passed over trial(s) 0" in data.selection.description
    damaged = data.trials[0]
    assert damaged.state == "FAIL" and damaged.error is not None
    assert damaged.error.startswith(
        "model.keras is corrupt: model.keras of trial 0 does not match the sha256 recorded"
    )
    best_copy = json.loads((result.optimized_model_path.parent / "best_trial.json").read_text())
    assert best_copy["number"] == 2
    notices = [e.message for e in events if isinstance(e, NoticeEvent)]
    assert notices == [notices[0]] and "not shipping trial 0" in notices[0]
    assert "choosing trial 2 instead" in notices[0]


def test_when_no_trial_has_a_sound_model_the_run_fails_and_ships_nothing(tmp_path: Path):
    config = _config(tmp_path, trials=2)
    _optimize(config, [complete(0.9), complete(0.8)])
    run = tmp_path / "run"
    for number in (0, 1):
        (run / "trials" / f"trial_{number}" / "model.keras").write_bytes(b"garbage")

    with pytest.raises(ModelCorrupt, match="run run: no trial has a sound model to ship"):
        _optimize(config, [])
    assert not (run / "optimized_model").exists()  # the copy shipped before is gone too
    data = _results(run)
    assert data.best_trial is None and data.optimized_model_path is None
    assert data.optimized_model_sha256 is None and data.ranking == []
    assert data.selection is not None and data.selection.fallback_from == [0, 1]
    assert all((t.error or "").startswith("model.keras is corrupt") for t in data.trials)


def test_resume_with_different_settings_is_refused(tmp_path: Path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.json").write_text(json.dumps(_config(tmp_path, seed=9).to_dict()))
    with pytest.raises(ConfigError, match="already exists with different settings .*seed"):
        ModelOptimizer(_config(tmp_path)).optimize_model()


# -- scoring ---------------------------------------------------------------------------
def test_health_aware_scores_are_recomputable_from_results_json(tmp_path: Path):
    weights = ScoringWeights(
        0.6, 0.4, {"neuron_utilization": 0.3, "gradient_health": 0.3, "training_stability": 0.4}
    )
    poor = dict(neuron_utilization=0.2, gradient_health=0.3, training_stability=0.1)
    good = dict(neuron_utilization=0.9, gradient_health=0.8, training_stability=0.9)
    critical = DiagnosticsSummary(
        health_score=12.0, issue_count=2, severity_counts={"critical": 1, "warning": 1}
    )
    events: list[RunEvent] = []
    config = _config(
        tmp_path, trials=4, mode="health-aware", scoring_weights=weights, accuracy_margin=0.1
    )
    result, _ = _optimize(
        config,
        [
            complete(0.95, **poor),  # the most accurate, and unhealthy
            fail(NAN_ERROR, diagnostics=critical),
            complete(0.85, **good),
            complete(0.9, neuron_utilization=0.8, training_stability=0.6),  # one unmeasured
        ],
        events,
    )
    text = (tmp_path / "run" / "results.json").read_text()
    assert json.loads(text)["scoring_weights"] == {
        "accuracy_weight": 0.6,
        "health_weight": 0.4,
        "health_components": weights.health_components,
    }
    data = RunResults.from_json(text)
    assert data.mode == "health-aware"
    complete_trials = [t for t in data.trials if t.complete]
    assert [t.number for t in complete_trials] == [0, 2, 3]
    saved = ScoringWeights(**data.scoring_weights.to_json())
    for trial in complete_trials:
        assert set(trial.health.by_name()) == set(HEALTH_COMPONENTS)
        assert trial.metrics.val_accuracy is not None
        recomputed = total_score(
            trial.metrics.val_accuracy, trial.health, saved, trial.metrics.chance_accuracy
        )
        assert trial.total_score == recomputed.total
        assert trial.total_score == trial.value != trial.metrics.val_accuracy
        assert trial.score == recomputed.parts()
    # A missing component counts as 0 and keeps its weight, and results.json says so.
    partial = data.trial(3)
    assert partial is not None and partial.score is not None
    assert partial.score.missing_components == ["gradient_health"]
    assert partial.score.rule == "skill_gated_missing_as_zero"
    assert partial.score.raw_health == pytest.approx(0.3 * 0.8 + 0.4 * 0.6)
    # Within the 10-point margin the healthiest is chosen, though it is the least accurate.
    assert data.selection is not None and data.selection.rule == "healthiest_within_margin"
    assert data.best_trial == 2 == result.best_trial and data.ranking == [2, 3, 0]
    skill = (0.85 - 0.1) / 0.9
    assert result.best_total_score == pytest.approx(0.6 * 0.85 + 0.4 * skill * 0.87)
    # The diverged trial has no score, but keeps the diagnostics that explain it.
    failed = data.trial(1)
    assert failed is not None and failed.total_score is None and failed.score is None
    assert failed.diagnostics == critical
    scores = {e.trial_number: e.total_score for e in events if isinstance(e, TrialFinishedEvent)}
    assert scores == {t.number: t.total_score for t in data.trials}


def test_simple_mode_total_score_is_the_validation_accuracy(tmp_path: Path):
    _optimize(_config(tmp_path, trials=1), [complete(0.8125, **HEALTHY)])
    text = (tmp_path / "run" / "results.json").read_text()
    assert "score" in json.loads(text)["trials"][0]
    data = RunResults.from_json(text)
    trial = data.trials[0]
    assert data.scoring_weights.accuracy_weight == 1.0
    assert trial.total_score == trial.metrics.val_accuracy == data.best_value == 0.8125
    # Health is measured and gated, though it carries no weight here.
    assert trial.score is not None and trial.score.rule == "accuracy_only"
    assert trial.score.health == pytest.approx((0.8125 - 0.1) / 0.9 * trial.score.raw_health)
    assert trial.health.by_name() == HEALTHY  # measured and kept, though not scored


# -- budget, timeout, stop -------------------------------------------------------------
def test_the_budget_counts_finished_trials_across_parallel_slots(tmp_path: Path):
    result, executor = _optimize(
        _config(tmp_path, trials=5),
        lambda spec: complete(0.5 + spec.trial_number / 100, seconds=0.02),
        capacity=2,
    )
    assert sorted(s.trial_number for s in executor.specs) == [0, 1, 2, 3, 4]
    assert [t.number for t in result.trials] == [0, 1, 2, 3, 4]
    assert result.best_trial == 4


def test_no_trial_starts_after_the_timeout(tmp_path: Path):
    # The first trial starts at once and outlasts the 0.2 s budget, so when it finishes the
    # deadline has passed and no second trial is started.
    result, executor = _optimize(
        _config(tmp_path, trials=5, timeout_seconds=0.2), lambda spec: complete(0.8, seconds=0.4)
    )
    assert [s.trial_number for s in executor.specs] == [0]
    assert [t.number for t in result.trials] == [0]
    data = _results(tmp_path / "run")
    assert data.trials_requested == 5 and len(data.trials) == 1
    assert result.optimized_model_path is not None and result.optimized_model_path.is_file()


def test_request_stop_interrupts_the_trial_in_flight_and_keeps_finished_ones(tmp_path: Path):
    """The API's cancel: another thread asks the run to stop while a trial runs."""
    hook: list[Callable[[RunEvent], None]] = []
    executor = ScriptedExecutor([complete(0.8), hang()], on_event=lambda e: hook[0](e))
    optimizer = ModelOptimizer(_config(tmp_path, trials=5, max_epochs_per_trial=3), executor)

    def stop_when_second_trial_starts(event: RunEvent) -> None:
        if isinstance(event, TrialStartedEvent) and event.trial_number == 1:
            threading.Thread(target=optimizer.request_stop).start()

    hook.append(stop_when_second_trial_starts)
    with pytest.raises(RunStopped):
        optimizer.optimize_model()
    trials = _results(tmp_path / "run").trials
    assert [t.state for t in trials] == ["COMPLETE", "FAIL"]
    assert trials[1].interrupted is True and "interrupted" in (trials[1].error or "")
    assert not (tmp_path / "run" / "optimized_model").exists()  # a stopped run assembles nothing
    with pytest.raises(RuntimeError, match="shut down"):  # the run cancelled its executor
        executor.submit(executor.specs[0])

    # The same run name resumes: the interrupted trial does not count toward the budget.
    result, resumed = _optimize(
        _config(tmp_path, trials=2, max_epochs_per_trial=3), [complete(0.9)]
    )
    assert [s.trial_number for s in resumed.specs] == [2]
    assert [t.state for t in result.trials if not t.interrupted] == ["COMPLETE"] * 2
    assert result.best_trial == 2


# -- plots -----------------------------------------------------------------------------
def test_best_plot_mode_draws_only_the_best_trial_and_ships_them(tmp_path: Path):
    analysis = AnalysisSummary(mean_alpha=3.2, ece=0.04, brier=0.1)
    events: list[RunEvent] = []
    scripted = [replace(complete(acc), analysis=analysis) for acc in (0.9, 0.7)]
    result, executor = _optimize(
        _config(tmp_path, trials=2, max_epochs_per_trial=2, plot_generation="best"),
        scripted,
        events,
    )
    assert all(s.plots_dir is None for s in executor.specs)  # workers draw nothing
    run = tmp_path / "run"
    assert (
        sorted(p.name for p in (run / "plots").iterdir())
        == ["trial_0"]
        == [f"trial_{result.best_trial}"]
    )
    drawn = json.loads((run / "plots" / "trial_0" / "plots.json").read_text())
    assert "training_history.png" in drawn["written"]  # drawn here, from the trial's files
    shipped = sorted(p.name for p in (run / "optimized_model" / "plots").glob("*.png"))
    assert shipped == sorted(drawn["written"])
    (plots_event,) = [e for e in events if isinstance(e, PlotsDrawnEvent)]
    assert plots_event.trial_number == 0 and plots_event.written == len(drawn["written"])
    for trial in json.loads((run / "results.json").read_text())["trials"]:
        # results.json carries each trial's analyzer summary
        assert {"mean_alpha": 3.2, "ece": 0.04, "brier": 0.1}.items() <= trial["analysis"].items()


def test_all_and_none_plot_modes(tmp_path: Path):
    events: list[RunEvent] = []
    result, executor = _optimize(
        _config(tmp_path, trials=2, plot_generation="all"), [complete(0.7), complete(0.9)], events
    )
    plots = tmp_path / "run" / "plots"
    assert [s.plots_dir for s in executor.specs] == [
        str((plots / f"trial_{n}").resolve()) for n in (0, 1)
    ]
    assert sorted(p.name for p in plots.iterdir()) == ["trial_0", "trial_1"]
    shipped = tmp_path / "run" / "optimized_model" / "plots"
    assert result.best_trial == 1
    assert sorted(p.name for p in shipped.iterdir()) == sorted(
        p.name for p in (plots / "trial_1").iterdir()
    )
    assert not [e for e in events if isinstance(e, PlotsDrawnEvent)]  # the workers drew them

    _, quiet = _optimize(_config(tmp_path, run_name="quiet", trials=1), [complete(0.8)])
    assert quiet.specs[0].plots_dir is None
    assert not (tmp_path / "quiet" / "plots").exists()
    assert not (tmp_path / "quiet" / "optimized_model" / "plots").exists()


# -- pruning ---------------------------------------------------------------------------
SCORED = DiagnosticsSummary(health_score=80.0)


def _learning(*curve: float) -> Outcome:
    """A healthy trial with a diagnostics score whose val accuracy follows `curve`."""
    return replace(learning(curve, **HEALTHY), diagnostics=SCORED)


# 3 epochs, the median pruner with 2 start-up trials (5 trials). Every trial ties at epoch 1,
# so only epoch 2 tells them apart. Trials 0 and 1 peak at epoch 2 and end lower, so trial 2,
# pruned at 0.9 (behind their median of 0.96 at epoch 2), ends with a higher last value than
# any complete trial's score, and still must not be the best.
MEDIAN_SCRIPT = [
    _learning(0.5, 0.95, 0.6),
    _learning(0.5, 0.97, 0.62),
    _learning(0.5, 0.9, 0.9),  # pruned at epoch 2, last value 0.9
    _learning(0.5, 0.3, 0.2),  # pruned at epoch 2
    _learning(0.6, 0.98, 0.7),  # ahead at every epoch: completes, the best
]
PRUNED_AT_2 = (2, 3)


def _median_config(tmp_path: Path, **overrides) -> OptimizationConfig:
    values: dict = dict(trials=5, max_epochs_per_trial=3, pruner="median")
    return _config(tmp_path, **{**values, **overrides})


def _epochs_of(events: list[RunEvent], number: int) -> list[int]:
    """The epochs trial `number` reported, in order."""
    return [e.epoch for e in events if isinstance(e, EpochEndEvent) and e.trial_number == number]


def _load_study(run_dir: Path) -> optuna.Study:
    return optuna.load_study(study_name=run_dir.name, storage=f"sqlite:///{run_dir / 'study.db'}")


def test_the_median_pruner_stops_trials_behind_at_epoch_2_and_none_is_best(tmp_path: Path):
    events: list[RunEvent] = []
    result, executor = _optimize(_median_config(tmp_path), MEDIAN_SCRIPT, events)
    data = _results(tmp_path / "run")
    states = {t.number: t.state for t in data.trials}
    assert states == {0: "COMPLETE", 1: "COMPLETE", 2: "PRUNED", 3: "PRUNED", 4: "COMPLETE"}
    for number in PRUNED_AT_2:
        trial = data.trial(number)
        assert trial is not None and trial.pruned is not None
        assert trial.pruned.pruned_by == "pruner" and trial.pruned.pruner == "median"
        assert trial.pruned.epoch == 2 == trial.epochs_run and trial.pruned.check is None
        assert "median" in trial.pruned.reason
        assert trial.value is None and trial.total_score is None
        # Its partial records stay: the val accuracy where it stopped, the epochs it ran.
        assert trial.metrics.val_accuracy == MEDIAN_SCRIPT[number].accuracy_at(2)
        history = tmp_path / "run" / "trials" / f"trial_{number}" / "history.json"
        assert len(json.loads(history.read_text())["val_accuracy"]) == 2
        assert _epochs_of(events, number) == [1, 2]  # training stopped at the judged epoch

    # The pruned trial 2 stopped at 0.9, above every complete score; the best is still trial 4.
    pruned_last = data.trial(2)
    assert pruned_last is not None and pruned_last.metrics.val_accuracy == 0.9
    assert max(t.total_score or 0.0 for t in data.trials if t.complete) == 0.7
    assert data.best_trial == 4 == result.best_trial and data.best_value == 0.7
    assert result.optimized_model_path is not None
    assert result.optimized_model_path.name == "optimized_digits_acc_0.7000.keras"
    assert [s.trial_number for s in executor.specs] == [0, 1, 2, 3, 4]

    assert data.compute is not None
    compute = data.compute
    assert (compute.epochs_budgeted, compute.epochs_run, compute.epochs_saved) == (15, 13, 2)
    assert compute.epochs_saved_by == {"median": 2} and compute.trials_pruned == 2

    finished = {e.trial_number: e for e in events if isinstance(e, TrialFinishedEvent)}
    for number in PRUNED_AT_2:
        event, record = finished[number], data.trial(number)
        assert event.state == "PRUNED" and event.total_score is None
        assert record is not None and event.pruned is not None and event.pruned == record.pruned
    assert all(finished[n].pruned is None for n in (0, 1, 4))


def test_a_health_alarm_prunes_the_trial_at_its_epoch_only_with_health_pruning(tmp_path: Path):
    script = [_learning(0.5, 0.7, 0.9), alarmed(1, "nan_in_loss")]
    events: list[RunEvent] = []
    _optimize(_config(tmp_path, trials=2, max_epochs_per_trial=3, pruner="none"), script, events)
    data = _results(tmp_path / "run")
    trial = data.trial(1)
    assert trial is not None and trial.state == "PRUNED" and trial.epochs_run == 1
    assert trial.pruned == PruneInfo(
        pruned_by="health",
        check="nan_in_loss",
        epoch=1,
        reason="health: nan_in_loss at epoch 1",
    )
    assert _epochs_of(events, 1) == [1]
    assert data.compute is not None and data.compute.epochs_saved_by == {"health": 2}
    assert data.best_trial == 0

    # Without health pruning the same trial trains every epoch and completes.
    off = dict(run_name="off", trials=2, max_epochs_per_trial=3, pruner="none")
    _optimize(_config(tmp_path, health_pruning=False, **off), script)
    data = _results(tmp_path / "off")
    trial = data.trial(1)
    assert trial is not None and trial.state == "COMPLETE" and trial.pruned is None
    assert trial.epochs_run == 3 and trial.value == 0.1
    assert data.compute is not None
    assert data.compute.epochs_saved == 0 and data.compute.epochs_saved_by == {}


def test_optunas_own_tools_read_the_trials(tmp_path: Path):
    """What optuna-dashboard and `trials_dataframe()` see: flat columns, short values, the
    objective's name, and a learning curve for every trial, pruned ones included."""
    long_error = "loss became NaN: " + "x" * 5000
    _optimize(_median_config(tmp_path, trials=6), [*MEDIAN_SCRIPT, fail(long_error)])
    study = _load_study(tmp_path / "run")
    assert study.metric_names == ["total_score"]

    frame = study.trials_dataframe().set_index("number")
    flat = {"val_accuracy", "health", "diagnostics_score", "prune_reason", *HEALTH_COMPONENTS}
    assert {f"user_attrs_{name}" for name in flat} <= set(frame.columns)
    assert list(frame["state"]) == ["COMPLETE"] * 2 + ["PRUNED"] * 2 + ["COMPLETE", "FAIL"]
    complete = frame[frame["state"] == "COMPLETE"]
    assert list(complete["user_attrs_val_accuracy"]) == [0.6, 0.62, 0.7]
    assert list(complete["user_attrs_diagnostics_score"]) == [80.0] * 3
    # Health is gated by skill: (val accuracy - chance 0.1) / 0.9 of the components' 0.8.
    skills = [(acc - 0.1) / 0.9 for acc in (0.6, 0.62, 0.7)]
    assert list(complete["user_attrs_health"]) == pytest.approx([0.8 * s for s in skills])
    for name in HEALTH_COMPONENTS:
        assert list(complete[f"user_attrs_{name}"]) == [0.8] * 3
    pruned = frame[frame["state"] == "PRUNED"]
    assert list(pruned.index) == list(PRUNED_AT_2)
    assert all("median" in reason for reason in pruned["user_attrs_prune_reason"])
    assert list(pruned["user_attrs_pruned_by"]) == ["pruner"] * 2
    assert list(pruned["user_attrs_val_accuracy"]) == [0.9, 0.3]
    assert frame.loc[5, "user_attrs_fail_reason"].startswith("loss became NaN")

    for trial in study.trials:
        for key, value in trial.user_attrs.items():
            assert len(json.dumps(value)) <= 1024, (trial.number, key)
        curve = MEDIAN_SCRIPT[trial.number].curve if trial.number < 5 else ()
        ran = 2 if trial.number in PRUNED_AT_2 else len(curve)
        assert trial.intermediate_values == {e + 1: curve[e] for e in range(ran)}


def test_a_resumed_run_keeps_its_pruned_trials_and_counts_them(tmp_path: Path):
    _optimize(_median_config(tmp_path), MEDIAN_SCRIPT)
    first = _results(tmp_path / "run").trials

    result, executor = _optimize(_median_config(tmp_path, trials=6), [_learning(0.6, 0.99, 0.8)])
    assert [s.trial_number for s in executor.specs] == [5]  # the pruned ones count as done
    assert result.trials[:5] == first
    assert [t.number for t in result.trials if t.state == "PRUNED"] == list(PRUNED_AT_2)
    assert result.best_trial == 5
    compute = _results(tmp_path / "run").compute
    assert compute is not None
    assert (compute.epochs_budgeted, compute.epochs_run, compute.trials_pruned) == (18, 16, 2)
    assert compute.epochs_saved_by == {"median": 2}


def test_a_sampler_given_to_the_optimizer_draws_the_trials(tmp_path: Path):
    def drawn_by(sampler: optuna.samplers.BaseSampler) -> list[dict]:
        study = optuna.create_study(direction="maximize", sampler=sampler)
        selector = HyperparameterSelector("image")
        for _ in range(3):
            trial = study.ask()
            selector.suggest(trial)
            study.tell(trial, 0.5)
        return [t.params for t in study.trials]

    script = [complete(0.5)] * 3
    result, _ = _optimize(
        _config(tmp_path), script, sampler=optuna.samplers.RandomSampler(seed=12345)
    )
    expected = drawn_by(optuna.samplers.RandomSampler(seed=12345))
    assert [t.params for t in result.trials] == expected
    # The config's own sampler (seeded TPE) draws others, so the comparison means something.
    config = _config(tmp_path)
    assert drawn_by(make_sampler(config, config.seed)) != expected


# -- one real run ----------------------------------------------------------------------
class DivergingTrialSelector(HyperparameterSelector):
    """The normal image search space with one conv layer, except that one trial gets a
    learning rate that makes the loss NaN."""

    def __init__(self, diverging_trial: int) -> None:
        super().__init__("image")
        self.diverging_trial = diverging_trial

    def suggest(self, trial):
        config = replace(super().suggest(trial), num_layers_conv=1)
        if trial.number == self.diverging_trial:
            # The default architecture with this optimizer diverges for every seed we tried.
            return ModelConfig(optimizer="sgd", learning_rate=1e6, activation="gelu")
        return config


@pytest.mark.slow
def test_a_real_run_trains_scores_plots_and_assembles_the_best_trial(tmp_path: Path):
    """The real LocalExecutor, once: a trained trial and a diverged one, health-aware, with
    the best trial's plots drawn and everything assembled into optimized_model/."""
    events: list[RunEvent] = []
    result = ModelOptimizer(
        _config(tmp_path, trials=2, mode="health-aware", plot_generation="best"),
        selector=DivergingTrialSelector(1),
        on_event=events.append,
    ).optimize_model()
    run = tmp_path / "run"
    data = RunResults.from_json((run / "results.json").read_text())
    assert [t.state for t in data.trials] == ["COMPLETE", "FAIL"]
    trained, diverged = data.trials

    # Scored from what the trial measured, and recomputable from results.json alone.
    assert trained.metrics.val_accuracy is not None and trained.metrics.test_accuracy is not None
    weights = ScoringWeights(**data.scoring_weights.to_json())
    recomputed = total_score(
        trained.metrics.val_accuracy, trained.health, weights, trained.metrics.chance_accuracy
    )
    assert trained.total_score == recomputed.total
    assert trained.total_score != trained.metrics.val_accuracy and trained.health.measured()
    assert trained.diagnostics.health_score is not None
    assert 0 <= trained.diagnostics.health_score <= 100
    assert trained.analysis.mean_alpha is not None and trained.analysis.ece is not None
    folder = run / "trials" / "trial_0"
    assert {"diagnostics.json", "health.json", "architecture.json", "logs.json"} <= {
        f.name for f in folder.iterdir()
    }
    # The diverged trial has no score, but its diagnostics explain it.
    assert diverged.error is not None and "loss became NaN" in diverged.error
    assert diverged.total_score is None and diverged.diagnostics.severity_counts.get("critical")
    report = json.loads((run / "trials" / "trial_1" / "diagnostics.json").read_text())
    assert "nan_in_loss" in {issue["check"] for issue in report["issues"]}

    # Every plot of the best trial drawn here from its files, and shipped with its model.
    assert data.best_trial == 0 == result.best_trial
    assert sorted(p.name for p in (run / "plots").iterdir()) == ["trial_0"]
    drawn = json.loads((run / "plots" / "trial_0" / "plots.json").read_text())
    assert len(drawn["written"]) >= 12 and drawn["skipped"] == {}
    shipped = sorted(p.name for p in (run / "optimized_model" / "plots").glob("*.png"))
    assert shipped == sorted(drawn["written"])

    # The real model, under its accuracy-named file, with the trial's record beside it.
    model_path = run / (data.optimized_model_path or "")
    assert model_path == result.optimized_model_path and model_path.is_file()
    assert model_path.name == f"optimized_digits_acc_{trained.metrics.val_accuracy:.4f}.keras"
    assert model_path.read_bytes()[:2] == b"PK"  # a .keras file is a ZIP
    assert json.loads((model_path.parent / "best_trial.json").read_text())["number"] == 0
    assert (model_path.parent / "architecture_view.json").is_file()

    kinds = [e.kind for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.count("trial_finished") == 2 and "plots_drawn" in kinds
    assert [e.epoch for e in events if isinstance(e, EpochEndEvent) and e.trial_number == 0] == [1]

    # The trial recorded its model's hash when it saved it, and the shipped copy has it.
    saved = run / "trials" / "trial_0" / "model.keras"
    assert trained.model_sha256 == sha256_file(saved) == data.optimized_model_sha256
    # Garbage over the only trained model: resuming refuses it and ships nothing.
    saved.write_bytes(b"garbage")
    with pytest.raises(ModelCorrupt, match="model.keras of trial 0 does not match the sha256"):
        ModelOptimizer(
            _config(tmp_path, trials=2, mode="health-aware", plot_generation="best"),
            selector=DivergingTrialSelector(1),
        ).optimize_model()
    assert not (run / "optimized_model").exists()


@pytest.mark.parametrize(
    ("epochs", "prunable"),
    [(3, [1, 2]), (5, [1, 2, 3, 4]), (10, [1, 2, 3, 4, 5, 6, 7, 8]), (20, list(range(1, 17)))],
)
def test_the_pruner_never_stops_a_trial_in_the_last_fifth_of_its_epochs(epochs, prunable):
    events = [EpochEndEvent(trial_number=0, epoch=e, epochs=epochs) for e in range(1, epochs + 1)]
    assert [e.epoch for e in events if not _too_late_to_prune(e)] == prunable


def test_a_trial_that_falls_behind_only_in_its_last_fifth_is_not_pruned(tmp_path: Path):
    good = [0.5 + 0.04 * k for k in range(10)]
    late_drop = [*good[:8], 0.1, 0.1]  # behind the median only at epochs 9 and 10 of 10
    early_drop = [*good[:3], 0.1, *good[4:]]  # behind at epoch 4: pruned there
    config = _median_config(tmp_path, trials=4, max_epochs_per_trial=10)
    script = [_learning(*good), _learning(*good), _learning(*late_drop), _learning(*early_drop)]
    result, _ = _optimize(config, script)
    assert [t.state for t in result.trials] == ["COMPLETE", "COMPLETE", "COMPLETE", "PRUNED"]
    assert result.trials[3].pruned is not None and result.trials[3].pruned.epoch == 4


# -- pareto mode -----------------------------------------------------------------------------
def _pareto_config(tmp_path: Path, **overrides) -> OptimizationConfig:
    return _config(tmp_path, mode="pareto", **overrides)


PARETO_SCRIPT = [
    complete(0.95, **dict.fromkeys(HEALTH_COMPONENTS, 0.3)),  # the most accurate
    complete(0.93, **dict.fromkeys(HEALTH_COMPONENTS, 0.8)),  # the knee
    complete(0.80, **dict.fromkeys(HEALTH_COMPONENTS, 1.0)),  # the healthiest
    complete(0.70, **dict.fromkeys(HEALTH_COMPONENTS, 0.5)),  # dominated
    complete(0.94, neuron_utilization=0.9),  # five components unmeasured: dominated
]


def test_pareto_mode_stores_two_objectives_and_assembles_the_knee(tmp_path: Path):
    events: list[RunEvent] = []
    result, _ = _optimize(_pareto_config(tmp_path, trials=5), PARETO_SCRIPT, events)
    study = _load_study(tmp_path / "run")
    assert len(study.directions) == 2 and study.metric_names == ["val_accuracy", "health"]
    data = _results(tmp_path / "run")
    assert data.pareto_front == [0, 1, 2] == sorted(t.number for t in study.best_trials)
    for trial in data.trials:
        assert trial.value is None and trial.values is not None and trial.score is not None
        assert trial.values == [trial.metrics.val_accuracy, trial.score.health]
        # The weighted total is kept too, and recomputes from the file.
        recomputed = total_score(
            trial.metrics.val_accuracy,
            trial.health,
            ScoringWeights(**data.scoring_weights.to_json()),
            trial.metrics.chance_accuracy,
        )
        assert trial.total_score == recomputed.total
    assert data.selection is not None and data.selection.rule == "pareto_knee"
    assert data.best_trial == 1 == result.best_trial and data.ranking[0] == 1
    assert result.optimized_model_path is not None and result.optimized_model_path.is_file()
    finished = [e for e in events if isinstance(e, RunFinishedEvent)]
    assert finished[-1].best_trial == 1


def test_pareto_mode_with_weights_chooses_the_best_total_on_the_front(tmp_path: Path):
    config = _pareto_config(
        tmp_path, trials=5, scoring_weights=ScoringWeights(0.2, 0.8), pareto_choice="weights"
    )
    result, _ = _optimize(config, PARETO_SCRIPT)
    data = _results(tmp_path / "run")
    assert data.selection is not None and data.selection.rule == "pareto_weights"
    front = [t for t in data.trials if t.number in (data.pareto_front or [])]
    assert result.best_trial == max(front, key=lambda t: t.total_score or 0.0).number


def test_pareto_mode_prunes_on_health_alone(tmp_path: Path):
    """Optuna's pruners cannot judge a two-objective trial; a health alarm still stops one."""
    config = _pareto_config(tmp_path, trials=2, max_epochs_per_trial=3)
    _optimize(config, [learning([0.5, 0.7, 0.9], **HEALTHY), alarmed(1, "nan_in_loss")])
    data = _results(tmp_path / "run")
    assert [t.state for t in data.trials] == ["COMPLETE", "PRUNED"]
    pruned = data.trials[1].pruned
    assert pruned is not None and pruned.pruned_by == "health" and pruned.epoch == 1
    assert data.pareto_front == [0]


def test_pareto_mode_refuses_what_a_two_objective_study_cannot_do(tmp_path: Path):
    with pytest.raises(ConfigError, match="pruner must be auto or none in pareto mode"):
        _pareto_config(tmp_path, pruner="median")
    with pytest.raises(ConfigError, match="sampler must be .*CMA-ES is single-objective"):
        _pareto_config(tmp_path, sampler="cmaes")
    with pytest.raises(ConfigError, match="sampler must be .*NSGA-II is multi-objective"):
        _config(tmp_path, sampler="nsga2")
    # A run name that holds a one-objective study cannot be resumed as pareto.
    _optimize(_config(tmp_path, trials=1), [complete(0.9, **HEALTHY)])
    with pytest.raises(ConfigError):
        _optimize(_pareto_config(tmp_path, trials=2), [complete(0.9, **HEALTHY)] * 2)


def test_nsga2_runs_a_pareto_study(tmp_path: Path):
    config = _pareto_config(tmp_path, trials=5, sampler="nsga2")
    result, _ = _optimize(config, PARETO_SCRIPT)
    assert result.best_trial == 1


def test_a_shared_pareto_study_takes_a_workers_trials_and_the_orchestrator_assembles(
    tmp_path: Path,
):
    config = _pareto_config(
        tmp_path, trials=5, storage_url=f"sqlite:///{tmp_path / 'shared.db'}", heartbeat_seconds=1
    )
    open_study(config, default_url="sqlite:///unused.db")  # as `healthopt optimize` starts it
    joined = load_shared_config(str(config.storage_url), "run")
    assert joined.mode is Mode.PARETO
    executor = ScriptedExecutor(PARETO_SCRIPT)
    try:
        ModelOptimizer(joined, executor=executor, role="worker").optimize_model()
    finally:
        executor.shutdown()
    result, orchestrator = _optimize(config, PARETO_SCRIPT)
    assert orchestrator.specs == []  # the worker ran every trial
    data = _results(tmp_path / "run")
    assert data.pareto_front == [0, 1, 2] and result.best_trial == 1
    assert result.optimized_model_path is not None and result.optimized_model_path.is_file()


def test_a_default_run_name_is_a_valid_one_whatever_the_dataset_path(tmp_path: Path):
    """default_run_name keeps the last 60 characters of a long dataset name, never starting
    with "-" (OptimizationConfig refuses such a run name): a cut inside "pytest-of-root"
    once made "-root_...", and the run failed before its first trial."""
    folder = tmp_path / ("-" + "b" * 41)  # and "_d_csv_label_label" after it: the last 60
    folder.mkdir()
    (folder / "d.csv").write_text("x,label\n1,0\n2,1\n3,0\n4,1\n")
    config = OptimizationConfig(dataset_name=f"csv:{folder / 'd.csv'}?label=label")
    name = default_run_name(config)
    assert name.startswith("b" * 41 + "_d_csv_label_label_simple_"), name
    assert config.with_run_name(name).run_name == name
