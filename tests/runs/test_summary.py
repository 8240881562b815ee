"""run_summary and run_detail on real run folders (the optimizer on the scripted executor),
whose counts and best trial are known from their script; and the trial timestamps results.json
now records, which the summaries' trials carry."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from healthopt.health.scoring import composite_health
from healthopt.records import RunResults, TrialRecord
from healthopt.records.browse import JobInfo
from healthopt.runs.index import RunFolder, RunUnreadable, find_run, read_results
from healthopt.runs.summary import read_settings, run_detail, run_summary

from ..optimize.scripted import Outcome, alarmed, fail, learning
from .made_runs import made_run

TRIALS = 8


def script(spec) -> Outcome:
    """Trial 1 fails, trial 2 is pruned by health at its first epoch, the rest complete with a
    val accuracy of 0.5 + n/100: the last trial is the best."""
    number = spec.trial_number
    if number == 1:
        return fail("boom: out of memory")
    if number == 2:
        return alarmed(1)
    return learning([0.2, 0.4, 0.5 + number / 100], neuron_utilization=0.8)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float, float]:
    """The run folder, and the time window it was made in."""
    before = datetime.now(UTC).timestamp()
    run_dir = made_run(tmp_path_factory.mktemp("results"), "scripted", script, trials=TRIALS)
    return run_dir, before, datetime.now(UTC).timestamp()


@pytest.fixture
def run(made: tuple[Path, float, float], tmp_path: Path) -> RunFolder:
    """A copy of the made run, which the test may damage."""
    copy = tmp_path / "results" / made[0].name
    shutil.copytree(made[0], copy)
    return find_run(tmp_path / "results", copy.name)


def results_of(run: RunFolder) -> RunResults:
    results = read_results(run)
    assert results is not None
    return results


def test_a_finished_cli_run_is_summed_up_from_its_results(run: RunFolder):
    summary = run_summary(run)
    best = results_of(run).best()
    assert best is not None and best.number == TRIALS - 1
    assert (summary.name, summary.dataset, summary.mode) == ("scripted", "digits", "simple")
    assert (summary.source, summary.job_id, summary.job_status) == ("cli", None, None)
    assert summary.finished and summary.error is None
    assert summary.trials_requested == TRIALS and summary.trials_finished == TRIALS
    assert (summary.trials_complete, summary.trials_pruned, summary.trials_failed) == (6, 1, 1)
    assert summary.best_trial == TRIALS - 1
    assert summary.best_val_accuracy == pytest.approx(0.57)
    assert summary.best_value == pytest.approx(0.57)  # simple mode: the total is the accuracy
    assert summary.best_health_score == composite_health(best)
    # Neuron utilization 0.8 at a 0.25 share, gated by how far 0.57 got from chance (0.1).
    assert summary.best_health_score == pytest.approx(0.25 * 0.8 * (0.57 - 0.1) / 0.9)
    assert datetime.fromisoformat(summary.modified).timestamp() == pytest.approx(run.modified)
    assert datetime.fromisoformat(summary.modified).utcoffset().total_seconds() == 0


def test_a_jobs_run_carries_the_job_and_is_over_only_when_the_job_is(run: RunFolder):
    running = run_summary(run, JobInfo(job_id="a" * 32, status="running", finished=False))
    assert (running.source, running.job_id, running.job_status) == ("job", "a" * 32, "running")
    # Every trial is in results.json, but the job is still assembling: not finished yet.
    assert not running.finished
    assert running.trials_complete == 6 and running.best_trial == TRIALS - 1
    done = run_summary(run, JobInfo(job_id="a" * 32, status="completed", finished=True))
    assert done.finished


def test_an_unreadable_results_file_is_an_error_with_no_counts_never_an_empty_run(
    run: RunFolder,
):
    run.results_file.write_text('{"run_name": "scripted", "trials": [')
    summary = run_summary(run)
    assert summary.error is not None and "scripted/results.json" in summary.error
    assert summary.trials_finished == summary.trials_complete == 0
    assert summary.best_trial is None and not summary.finished
    # What config.json says is still shown.
    assert (summary.dataset, summary.mode, summary.trials_requested) == ("digits", "simple", 8)
    with pytest.raises(RunUnreadable, match="scripted/results.json"):
        run_detail(run)


def test_a_summary_follows_the_results_file_when_it_changes(run: RunFolder):
    good = run.results_file.read_bytes()
    assert run_summary(run).error is None
    run.results_file.write_text("[]")
    assert run_summary(run).error is not None
    run.results_file.write_bytes(good)
    assert run_summary(run).error is None and run_summary(run).trials_complete == 6


def test_a_config_file_that_is_not_an_object_is_named(run: RunFolder):
    (run.path / "config.json").write_text("[1, 2]")
    summary = run_summary(run)
    assert summary.error is not None and "scripted/config.json" in summary.error
    assert "JSON object" in summary.error
    assert summary.trials_complete == 6  # results.json is still read
    with pytest.raises(RunUnreadable, match="scripted/config.json"):
        read_settings(run)


def test_a_run_before_its_first_trial_finished_shows_its_settings_and_no_trials(
    run: RunFolder,
):
    run.results_file.unlink()
    summary = run_summary(run)
    assert summary.error is None and not summary.finished
    assert (summary.dataset, summary.trials_requested, summary.trials_finished) == ("digits", 8, 0)
    detail = run_detail(run)
    assert detail.settings["run_name"] == "scripted"
    assert detail.ranking == [] and detail.selection is None


def test_interrupted_trials_count_in_no_total(run: RunFolder):
    data = json.loads(run.results_file.read_text())
    failed = next(t for t in data["trials"] if t["state"] == "FAIL")
    failed["interrupted"] = True
    run.results_file.write_text(json.dumps(data))
    summary = run_summary(run)
    assert summary.trials_finished == TRIALS - 1 and summary.trials_failed == 0
    assert summary.trials_complete + summary.trials_pruned == summary.trials_finished


def test_the_detail_holds_the_settings_as_stored_and_how_the_best_trial_was_chosen(
    run: RunFolder,
):
    detail = run_detail(run)
    results = results_of(run)
    assert detail.settings == json.loads((run.path / "config.json").read_text())
    assert detail.summary == run_summary(run)
    assert detail.selection is not None and detail.selection.trial == TRIALS - 1
    assert detail.ranking[0] == TRIALS - 1 and len(detail.ranking) == 6
    assert detail.scoring_weights == results.scoring_weights
    assert detail.compute == results.compute and detail.compute is not None
    assert detail.baselines == results.baselines
    assert detail.pareto_front is None


def test_each_trial_records_when_it_started_and_finished_in_utc(
    made: tuple[Path, float, float],
):
    _, before, after = made
    results = results_of(RunFolder("scripted", made[0]))
    for trial in results.trials:
        assert trial.started is not None and trial.finished is not None
        started = datetime.fromisoformat(trial.started)
        finished = datetime.fromisoformat(trial.finished)
        assert started.utcoffset().total_seconds() == finished.utcoffset().total_seconds() == 0
        assert before - 1 <= started.timestamp() <= finished.timestamp() <= after + 1
    starts = [datetime.fromisoformat(t.started or "") for t in results.trials]
    assert starts == sorted(starts)  # one worker: trials start in turn


def test_trial_records_written_before_timestamps_still_load():
    record = TrialRecord.from_json({"number": 3, "state": "COMPLETE", "value": 0.5})
    assert record.started is None and record.finished is None
