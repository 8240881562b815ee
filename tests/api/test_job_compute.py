"""Epochs run, budgeted and saved, and the pruned trials, as the jobs API serves them from the
run's results.json (finished or still being written)."""

from __future__ import annotations

import json

import pytest

from healthopt.api.files import FileCorrupt, RunFiles
from healthopt.jsonio import write_json_atomic
from healthopt.optimize.results import compute_summary
from healthopt.records import PruneInfo, RunResults, TrialRecord

from .conftest import finished_job

HYPERBAND = PruneInfo(
    pruned_by="pruner", pruner="hyperband", epoch=3, reason="hyperband pruner: behind"
)
NAN = PruneInfo(pruned_by="health", check="nan_in_loss", epoch=1, reason="health: loss is NaN")


def _write_trials(run_dir, trials: list[TrialRecord]) -> dict:
    """Rewrite the crafted run's results.json with `trials` and their compute summary, the way
    the optimizer does after each trial (10 epochs budgeted per trial)."""
    path = run_dir / "results.json"
    results = RunResults.from_json(path.read_bytes())
    compute = compute_summary(trials, epochs_per_trial=10)
    updated = results.model_copy(update={"trials": trials, "compute": compute})
    write_json_atomic(path, updated.to_json())
    return compute.to_json()


def test_status_list_trials_and_socket_report_the_compute_summary_as_results_json_grows(
    client, settings
):
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    run_dir = settings.results_dir / job.run_name
    assert client.get(f"/jobs/{job.id}/status").json()["compute"] is None  # an older results.json

    complete = TrialRecord(number=0, state="COMPLETE", value=0.9, epochs_run=10, energy_kwh=0.002)
    pruned = TrialRecord(number=1, state="PRUNED", epochs_run=3, pruned=HYPERBAND, energy_kwh=6e-4)
    first = _write_trials(run_dir, [complete, pruned])
    status = client.get(f"/jobs/{job.id}/status").json()
    assert status["compute"] == first
    assert (first["epochs_run"], first["epochs_budgeted"], first["epochs_saved_by"]) == (
        13,
        20,
        {"hyperband": 7},
    )
    assert status["compute"]["energy_saved_kwh"] == pytest.approx(7 * 2.6e-3 / 13)  # 0.0014
    assert status["compute"]["energy_note"].startswith("estimated")

    # A trial finishes while the job runs: the next poll sees the rewritten file.
    diverged = TrialRecord(number=2, state="PRUNED", epochs_run=1, pruned=NAN)
    second = _write_trials(run_dir, [complete, pruned, diverged])
    assert client.get(f"/jobs/{job.id}/status").json()["compute"] == second
    assert second["epochs_saved_by"] == {"hyperband": 7, "health": 9}
    assert client.get("/jobs").json()["jobs"][0]["compute"] == second

    listing = client.get(f"/jobs/{job.id}/trials").json()
    assert listing["compute"] == second
    assert [(t["state"], t["pruned"]) for t in listing["trials"]] == [
        ("COMPLETE", None),
        ("PRUNED", HYPERBAND.to_json()),
        ("PRUNED", NAN.to_json()),
    ]
    with client.websocket_connect(f"/ws/jobs/{job.id}") as socket:
        assert json.loads(socket.receive_text())["compute"] == second


def test_an_unreadable_results_json_gives_no_compute_summary(client, settings):
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    (settings.results_dir / job.run_name / "results.json").write_text("{not json")
    assert client.get(f"/jobs/{job.id}/status").json()["compute"] is None


def test_each_version_of_results_json_is_parsed_once_and_a_new_version_is_read(settings, client):
    """RunFiles.results(): the same version of the file is the same parsed record (a polled
    status and a paged gallery do not parse 3 MB per request); a rewrite is seen at once, and
    a corrupt rewrite is FileCorrupt, not the last good version."""
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    files = RunFiles(settings.results_dir, settings.results_dir / job.run_name)
    first = files.results()
    assert first is not None and files.results() is first

    trials = [TrialRecord(number=n, state="COMPLETE", value=0.5, epochs_run=10) for n in range(3)]
    _write_trials(settings.results_dir / job.run_name, trials)
    second = files.results()
    assert second is not None and second is not first and len(second.trials) == 3
    assert files.compute() == second.compute

    (settings.results_dir / job.run_name / "results.json").write_text('{"trials": "no"}')
    with pytest.raises(FileCorrupt, match="results.json is not readable"):
        files.results()
    assert files.compute() is None
