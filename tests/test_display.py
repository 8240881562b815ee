"""The optimizer's terminal output, read from typed events and records: the same lines and
table the dict-reading display printed (checked against it when the records came in)."""

from __future__ import annotations

from rich.console import Console

from healthopt.display import ProgressDisplay, compute_line, run_report, trials_table
from healthopt.records import (
    BaselineScore,
    ComputeSummary,
    DiagnosticsSummary,
    NoticeEvent,
    PruneInfo,
    RunBaselines,
    RunResults,
    RunStartedEvent,
    ScoreParts,
    Selection,
    TrialFinishedEvent,
    TrialMetrics,
    TrialRecord,
)


def _console() -> Console:
    return Console(record=True, width=200, force_terminal=False, color_system=None)


def test_progress_lines_for_a_resumed_run_a_notice_and_two_finished_trials():
    console = _console()
    with ProgressDisplay(console) as display:
        display(RunStartedEvent(run_name="r", trials_total=3, trials_done=1, run_dir="/x/r"))
        display(NoticeEvent(message="RunPod not used (no store); running trials locally"))
        display(
            TrialFinishedEvent(
                trial_number=1,
                state="COMPLETE",
                metrics=TrialMetrics(val_accuracy=0.9),
                total_score=0.8,
                trials_done=2,
                trials_total=3,
                best_trial=1,
                best_value=0.8,
            )
        )
        display(
            TrialFinishedEvent(
                trial_number=2,
                state="FAIL",
                error="NaN loss",
                trials_done=3,
                trials_total=3,
                best_trial=1,
                best_value=0.8,
            )
        )
    assert console.export_text().splitlines() == [
        "run r -> /x/r (3 trials, resuming after 1 finished)",
        "RunPod not used (no store); running trials locally",
        "trial 1 (2/3) val_acc 0.9000 · score 0.8000 · best 0.8000 (trial 1)",
        "trial 2 (3/3) FAIL NaN loss · best 0.8000 (trial 1)",
    ]


def test_the_trials_table_marks_the_best_and_shortens_long_notes():
    best = TrialRecord(
        number=0,
        state="COMPLETE",
        value=0.81,
        total_score=0.81,
        metrics=TrialMetrics(val_accuracy=0.9, test_accuracy=0.88),
        timings={"fit_seconds": 12.34},
        epochs_run=3,
        num_parameters=12345,
        diagnostics=DiagnosticsSummary(health_score=87),
        score=ScoreParts(health=0.6),
    )
    stale = TrialRecord(number=1, state="FAIL", error="stale: " + "x" * 80)
    console = _console()
    console.print(trials_table([best, stale], best_trial=0))
    rows = [line for line in console.export_text().splitlines() if line.startswith("│")]
    assert [cell.strip() for cell in rows[0].strip("│").split("│")] == [
        "0 *",
        "COMPLETE",
        "0.8100",
        "0.9000",
        "0.8800",
        "0.600",
        "87",  # an integer score, though the record reads it as a float
        "12,345",
        "3",
        "12.3",
        "",
    ]
    cells = [cell.strip() for cell in rows[1].strip("│").split("│")]
    assert cells[:3] == ["1", "FAIL", "-"] and cells[-1] == "stale: " + "x" * 50 + "..."


HYPERBAND = PruneInfo(pruned_by="pruner", pruner="hyperband", epoch=3, reason="hyperband pruner")
NAN = PruneInfo(pruned_by="health", check="nan_in_loss", epoch=1, reason="health: loss is NaN")


def test_a_pruned_trial_prints_as_pruned_with_who_stopped_it_and_when():
    console = _console()
    with ProgressDisplay(console) as display:
        display(RunStartedEvent(run_name="r", trials_total=20, trials_done=0, run_dir="/x/r"))
        display(
            TrialFinishedEvent(
                trial_number=4,
                state="PRUNED",
                pruned=NAN,
                metrics=TrialMetrics(val_accuracy=0.1),
                trials_done=5,
                trials_total=20,
                best_trial=1,
                best_value=0.8,
            )
        )
    assert console.export_text().splitlines()[1:] == [
        "trial 4 (5/20) PRUNED at epoch 1 by health: nan_in_loss · val_acc 0.1000 · "
        "best 0.8000 (trial 1)"
    ]


def test_the_table_gives_pruned_trials_their_reason_and_the_report_ends_with_epochs_saved():
    trials = [
        TrialRecord(number=0, state="COMPLETE", value=0.8, epochs_run=10),
        TrialRecord(number=1, state="PRUNED", epochs_run=3, pruned=HYPERBAND),
        TrialRecord(number=2, state="PRUNED", epochs_run=1, pruned=NAN),
    ]
    results = RunResults.create(
        run_name="r",
        dataset="digits",
        mode="health-aware",
        trials_requested=3,
        scoring_weights={"accuracy_weight": 0.5, "health_weight": 0.5, "health_components": {}},
        best_trial=0,
        best_value=0.8,
        trials=trials,
        compute=ComputeSummary(
            epochs_budgeted=30,
            epochs_run=14,
            epochs_saved=16,
            epochs_saved_by={"health": 9, "hyperband": 7},
            trials_pruned=2,
            energy_kwh_per_epoch=7.5e-5,
            energy_saved_kwh=0.0012,
        ),
    )
    console = _console()
    console.print(run_report(results))
    lines = console.export_text().splitlines()
    rows = [[c.strip() for c in line.strip("│").split("│")] for line in lines if line[0] == "│"]
    assert [(row[0], row[1], row[-1]) for row in rows] == [
        ("0 *", "COMPLETE", ""),
        ("1", "PRUNED", "pruned at epoch 3: hyperband"),
        ("2", "PRUNED", "pruned at epoch 1 by health: nan_in_loss"),
    ]
    assert lines[-1] == (
        "Epochs: 14 of 30 run (16 saved: health 9, hyperband 7); energy saved ≈ 0.0012 kWh "
        "(estimated from this run's measured energy per epoch)"
    )


def test_the_compute_line_without_pruning_or_energy_says_so():
    assert compute_line(ComputeSummary(epochs_budgeted=20, epochs_run=20)) == (
        "Epochs: 20 of 20 run (none saved); energy saved: not measured"
    )
    small = ComputeSummary(
        epochs_budgeted=20,
        epochs_run=12,
        epochs_saved=8,
        epochs_saved_by={"median": 8},
        energy_saved_kwh=2.4e-5,
    )
    assert compute_line(small).endswith(
        "(8 saved: median 8); energy saved ≈ 0.024 Wh "
        "(estimated from this run's measured energy per epoch)"
    )


def test_a_pareto_report_prints_the_front_and_the_rule_that_chose():
    def trial(number: int, accuracy: float, health: float) -> TrialRecord:
        return TrialRecord(
            number=number,
            state="COMPLETE",
            values=[accuracy, health],
            total_score=0.7 * accuracy + 0.3 * health,
            metrics=TrialMetrics(val_accuracy=accuracy, chance_accuracy=0.1),
            score=ScoreParts(health=health, rule="skill_gated"),
            num_parameters=1000 + number,
        )

    results = RunResults.create(
        run_name="p",
        dataset="digits",
        mode="pareto",
        trials_requested=3,
        scoring_weights={"accuracy_weight": 0.7, "health_weight": 0.3, "health_components": {}},
        best_trial=1,
        trials=[trial(0, 0.97, 0.5), trial(1, 0.95, 0.8), trial(2, 0.90, 0.6)],
        pareto_front=[0, 1],
        selection=Selection(rule="pareto_knee", description="the knee of the front", trial=1),
    )
    console = _console()
    console.print(run_report(results))
    text = console.export_text()
    front = text[text.index("Pareto front") :]
    assert "│   0 │  0.9700 │  0.500 │" in front and "│ 1 * │  0.9500 │  0.800 │" in front
    assert "│   2 │" not in front  # dominated: in the trials table only
    assert "chosen: trial 1, the knee of the front (pareto_knee)" in text


def test_the_report_ends_with_the_margin_over_each_baseline_or_why_one_is_missing():
    results = RunResults.create(
        run_name="r",
        dataset="digits",
        mode="simple",
        trials_requested=1,
        scoring_weights={"accuracy_weight": 1.0, "health_weight": 0.0, "health_components": {}},
        best_trial=0,
        trials=[
            TrialRecord(
                number=0, state="COMPLETE", value=0.9, metrics=TrialMetrics(val_accuracy=0.97)
            )
        ],
        baselines=RunBaselines.create(
            dataset="digits",
            split_seed=0,
            scores=[
                BaselineScore(name="majority_class", val_accuracy=0.1),
                BaselineScore(name="logistic_regression", error="ValueError: no samples"),
            ],
        ),
    )
    console = _console()
    console.print(run_report(results))
    assert console.export_text().splitlines()[-1] == (
        "Baselines (val accuracy, same splits): majority class 0.1000 (margin +0.8700); "
        "logistic regression: ValueError: no samples"
    )
