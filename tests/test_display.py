"""The optimizer's terminal output, read from typed events and records: the same lines and
table the dict-reading display printed (checked against it when the records came in)."""

from __future__ import annotations

from rich.console import Console

from healthopt.display import ProgressDisplay, trials_table
from healthopt.records import (
    DiagnosticsSummary,
    NoticeEvent,
    RunStartedEvent,
    ScoreParts,
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
