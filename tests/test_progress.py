"""Progress: plain lines off a terminal, live bars with N/M and an ETA on one, and the optimizer's
own display with `ModelOptimizer(progress=True)`."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from rich.console import Console

from healthopt.config import OptimizationConfig
from healthopt.optimize.optimizer import ModelOptimizer
from healthopt.progress import OptimizationProgress, StepProgress, trials_eta
from healthopt.records import (
    EpochEndEvent,
    RunFinishedEvent,
    RunStartedEvent,
    TrialFinishedEvent,
    TrialMetrics,
    TrialStartedEvent,
)

from .optimize.scripted import ScriptedExecutor, complete, fail


class Clock:
    """A clock the test moves by hand, so durations (and the ETA) are known."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _plain() -> Console:
    return Console(record=True, width=200, force_terminal=False, color_system=None)


def _finished(number: int, done: int, total: int, **fields: object) -> TrialFinishedEvent:
    values: dict[str, object] = dict(
        trial_number=number,
        state="COMPLETE",
        metrics=TrialMetrics(val_accuracy=0.5 + number / 10),
        total_score=0.5 + number / 10,
        trials_done=done,
        trials_total=total,
        best_trial=number,
        best_value=0.5 + number / 10,
    )
    values.update(fields)
    return TrialFinishedEvent.model_validate(values)


def test_eta_is_the_mean_finished_duration_times_the_rounds_left():
    assert trials_eta([], remaining=5, parallel=1) is None  # nothing finished yet
    assert trials_eta([10.0, 20.0], remaining=4, parallel=1) == 60.0
    assert trials_eta([10.0, 20.0], remaining=4, parallel=2) == 30.0
    assert trials_eta([10.0, 20.0], remaining=3, parallel=2) == 30.0  # a last round of one
    assert trials_eta([10.0], remaining=0, parallel=1) == 0.0


def test_off_a_terminal_each_finished_trial_is_one_line_and_epochs_print_nothing():
    console, clock = _plain(), Clock()
    with OptimizationProgress(console, clock=clock) as progress:
        progress(RunStartedEvent(run_name="r", trials_total=3, trials_done=0, run_dir="/x/r"))
        progress(TrialStartedEvent(trial_number=0))
        progress(EpochEndEvent(trial_number=0, epoch=1, epochs=2, val_accuracy=0.3))
        clock.now += 12.0
        progress(_finished(0, 1, 3))
        progress(_finished(1, 2, 3, state="FAIL", error="NaN loss", total_score=None, best_trial=0))
        progress(RunFinishedEvent(best_trial=0, best_value=0.5))
    assert console.export_text().splitlines() == [
        "run r -> /x/r (3 trials)",
        "trial 0 (1/3) val_acc 0.5000 · score 0.5000 · best 0.5000 (trial 0)",
        "trial 1 (2/3) FAIL NaN loss · best 0.6000 (trial 0)",
    ]
    # Trial 0 took 12 s; trial 1 never said it started, so only trial 0's duration counts.
    assert progress.eta_seconds == 12.0


def test_on_a_terminal_the_trials_bar_shows_done_of_n_the_eta_and_the_epoch_bar():
    out = StringIO()
    console = Console(file=out, force_terminal=True, width=160, color_system=None)
    clock = Clock()
    progress = OptimizationProgress(console, clock=clock)
    progress.start()
    progress(RunStartedEvent(run_name="r", trials_total=5, trials_done=0, run_dir="/x/r"))
    for number in (0, 1):
        progress(TrialStartedEvent(trial_number=number))
        clock.now += 30.0
        progress(_finished(number, number + 1, 5))
    progress(TrialStartedEvent(trial_number=2))
    progress(EpochEndEvent(trial_number=2, epoch=3, epochs=10, val_accuracy=0.42))
    live = progress._progress
    assert live is not None
    live.refresh()
    screen = out.getvalue()
    progress.stop()
    assert "2/5" in screen and "trial 2 epochs" in screen and "3/10" in screen
    assert "val_acc 0.4200" in screen and "best 0.6000 (trial 1)" in screen
    # Three trials left at 30 s each, one at a time: 1 min 30 s.
    assert "eta 0:01:30" in screen or "eta 0:01:29" in screen
    assert "trial 1 (2/5) val_acc 0.6000" in out.getvalue()  # the lines print on a terminal too


def test_events_from_many_threads_are_all_counted():
    console = _plain()
    total = 40
    with OptimizationProgress(console) as progress:
        progress(RunStartedEvent(run_name="r", trials_total=total, trials_done=0))

        def trial(number: int) -> None:
            progress(TrialStartedEvent(trial_number=number))
            progress(EpochEndEvent(trial_number=number, epoch=1, epochs=1))
            progress(_finished(number, number + 1, total, best_trial=0, best_value=0.5))

        threads = [threading.Thread(target=trial, args=(n,)) for n in range(total)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    lines = console.export_text().splitlines()
    assert len(lines) == 1 + total
    assert sorted(int(line.split()[1]) for line in lines[1:]) == list(range(total))


def test_model_optimizer_with_progress_prints_a_line_per_trial(tmp_path, capsys):
    config = OptimizationConfig(
        dataset_name="digits",
        trials=3,
        max_epochs_per_trial=2,
        output_dir=str(tmp_path),
        run_name="shown",
        plot_generation="none",
    )
    executor = ScriptedExecutor([complete(0.8), fail("boom"), complete(0.9)])
    try:
        ModelOptimizer(config, executor=executor, progress=True).optimize_model()
    finally:
        executor.shutdown()
    lines = capsys.readouterr().out.splitlines()
    trial_lines = [line for line in lines if line.startswith("trial ")]
    assert lines[0].startswith("run shown -> ")
    assert trial_lines[0].startswith("trial 0 (1/3) val_acc 0.8000")
    assert trial_lines[1].startswith("trial 1 (2/3) FAIL")
    assert trial_lines[2].startswith("trial 2 (3/3) val_acc 0.9000")
    assert trial_lines[2].endswith("best 0.9000 (trial 2)")


def test_model_optimizer_prints_nothing_without_progress(tmp_path, capsys):
    config = OptimizationConfig(
        trials=1, max_epochs_per_trial=1, output_dir=str(tmp_path), plot_generation="none"
    )
    executor = ScriptedExecutor([complete(0.8)])
    try:
        ModelOptimizer(config, executor=executor).optimize_model()
    finally:
        executor.shutdown()
    assert "trial 0" not in capsys.readouterr().out


def test_step_progress_off_a_terminal_prints_each_finished_and_failed_step():
    console = _plain()
    with pytest.raises(RuntimeError), StepProgress("report", 3, console) as steps:
        with steps.step("history"):
            pass
        with steps.step("importance"):
            raise RuntimeError("no trials")
    lines = console.export_text().splitlines()
    assert lines[0].startswith("report: step 1/3 history (")
    assert lines[1] == "report: step 2/3 importance failed"


def test_a_study_on_a_terminal_shows_runs_per_mode_trials_and_modules():
    from healthopt.cli.study import _Progress

    out = StringIO()
    console = Console(file=out, force_terminal=True, width=160, color_system=None)
    progress = _Progress(console)
    run = {"study_mode": "simple", "run_index": 0}
    with progress.shown(runs_per_mode=3):
        progress({"kind": "study_run_started", **run, "trials_total": 4})
        progress({"kind": "trial_finished", **run, "trials_done": 3, "trials_total": 4})
        bars = progress._bars
        assert bars is not None
        bars.refresh()
        assert "trials of accuracy_only run 0" in out.getvalue() and "3/4" in out.getvalue()
        record = {
            "mode": "simple",
            "index": 0,
            "seed": 0,
            "run_dir": "a/run_0",
            "status": "completed",
        }
        progress({"kind": "study_run_finished", **run, "record": record})
        progress({"kind": "module_started", "module": "holdout", "position": 1, "total": 5})
        bars.refresh()
    screen = out.getvalue()
    assert "accuracy_only runs" in screen and "1/3" in screen
    assert "analysis: holdout" in screen and "1/5" in screen
    assert "analysis 2/5: holdout" in screen  # the module line is printed above the bars
