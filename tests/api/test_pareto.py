"""GET /jobs/{id}/pareto and GET /jobs/{id}/trials/{n}/model, through the real app on crafted
run folders (no training: the routes only read results.json and the trial folders)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from healthopt.api.db import JobRecord, JobStore
from healthopt.api.jobs import new_job_id
from healthopt.config import ScoringWeights

from .conftest import finished_job

# (number, state, val accuracy, gated health or None); trial 2 is dominated by trial 1, trial 4
# was pruned, trial 5 completed but its health could not be computed (counts as 0).
TRIALS = [
    (0, "COMPLETE", 0.95, 0.40),
    (1, "COMPLETE", 0.90, 0.70),
    (2, "COMPLETE", 0.85, 0.60),
    (3, "COMPLETE", 0.80, 0.90),
    (4, "PRUNED", 0.30, None),
    (5, "COMPLETE", 0.70, None),
]
FRONT = [0, 1, 3]
CHOSEN = 1


def _trial(number: int, state: str, accuracy: float, health: float | None) -> dict:
    complete = state == "COMPLETE"
    score = {
        "health": health,
        "raw_health": health,
        "skill": 0.9,
        "chance_accuracy": 0.1,
        "rule": "skill_gated",
        "total": 0.7 * accuracy + 0.3 * (health or 0.0),
    }
    return {
        "number": number,
        "state": state,
        "values": [accuracy, health or 0.0] if complete else None,
        "metrics": {"val_accuracy": accuracy, "test_accuracy": accuracy - 0.02},
        "total_score": score["total"] if complete else None,
        "num_parameters": 1000 + number,
        "score": score if complete else None,
    }


def pareto_job(store: JobStore, results_dir: Path) -> JobRecord:
    """A finished pareto job: results.json with a front and a knee choice, and a model file in
    every completed trial's folder (none for the pruned one)."""
    job_id = new_job_id()
    run_name = f"digits_pareto_{job_id[:12]}"
    run_dir = results_dir / run_name
    for number, state, _, _ in TRIALS:
        folder = run_dir / "trials" / f"trial_{number}"
        folder.mkdir(parents=True)
        if state == "COMPLETE":
            (folder / "model.keras").write_bytes(f"PK\x03\x04 model of trial {number}".encode())
    (run_dir / "results.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "run_name": run_name,
                "dataset": "digits",
                "mode": "pareto",
                "trials_requested": len(TRIALS),
                "scoring_weights": ScoringWeights.for_mode("health-aware").to_dict(),
                "best_trial": CHOSEN,
                "best_value": _trial(*TRIALS[CHOSEN])["total_score"],
                "trials": [_trial(*row) for row in TRIALS],
                "selection": {
                    "rule": "pareto_knee",
                    "description": "the knee of the front",
                    "trial": CHOSEN,
                },
                "ranking": [1, 0, 3, 2, 5],
                "pareto_front": FRONT,
            }
        )
    )
    request = {"dataset_name": "digits", "trials": len(TRIALS), "mode": "pareto"}
    store.create(job_id, run_name, str(run_dir), request, {"dataset_name": "digits"}, 6)
    return store.finish(job_id, "completed")


def _pareto_job(client: TestClient) -> JobRecord:
    state = client.app.state.healthopt
    return pareto_job(state.store, state.results_dir)


def test_every_completed_trial_is_a_point_with_its_front_flag_and_the_choice(client):
    job = _pareto_job(client)
    response = client.get(f"/jobs/{job.id}/pareto")
    assert response.status_code == 200
    view = response.json()
    assert view["objectives"] == ["val_accuracy", "health"]
    assert [p["trial"] for p in view["points"]] == [0, 1, 2, 3, 5]  # the pruned one is not
    assert view["front"] == FRONT
    assert [p["trial"] for p in view["points"] if p["on_front"]] == FRONT
    assert [p["trial"] for p in view["points"] if p["chosen"]] == [CHOSEN]
    assert view["chosen_trial"] == CHOSEN
    assert (view["rule"], view["rule_description"]) == ("pareto_knee", "the knee of the front")
    by_trial = {p["trial"]: p for p in view["points"]}
    assert by_trial[3]["val_accuracy"] == 0.80 and by_trial[3]["health"] == 0.90
    assert by_trial[3]["test_accuracy"] == 0.78 and by_trial[3]["num_parameters"] == 1003
    assert by_trial[5]["health"] == 0.0  # not computed: the study counted it as 0
    assert by_trial[1]["model_url"] == f"/jobs/{job.id}/trials/1/model"


def test_a_point_whose_model_file_is_gone_has_no_model_url(client, settings):
    job = _pareto_job(client)
    (Path(job.run_dir) / "trials" / "trial_2" / "model.keras").unlink()
    points = {p["trial"]: p for p in client.get(f"/jobs/{job.id}/pareto").json()["points"]}
    assert points[2]["model_url"] is None
    assert points[0]["model_url"] is not None


def test_a_simple_run_has_no_pareto_front(client, settings):
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    response = client.get(f"/jobs/{job.id}/pareto")
    assert response.status_code == 404
    assert response.json()["detail"] == (
        f"job {job.id} ran in simple mode; the Pareto front exists in pareto mode"
    )


def test_a_job_without_results_yet_is_404(client, settings):
    job = _pareto_job(client)
    (Path(job.run_dir) / "results.json").unlink()
    response = client.get(f"/jobs/{job.id}/pareto")
    assert response.status_code == 404
    assert "has no results yet" in response.json()["detail"]


def test_a_front_members_model_downloads_byte_for_byte(client):
    job = _pareto_job(client)
    url = client.get(f"/jobs/{job.id}/pareto").json()["points"][3]["model_url"]
    response = client.get(url)
    assert response.status_code == 200
    expected = Path(job.run_dir) / "trials" / "trial_3" / "model.keras"
    assert response.content == expected.read_bytes()
    assert f"{job.run_name}_trial_3.keras" in response.headers["content-disposition"]


def test_a_pruned_or_unknown_trial_has_no_model(client):
    job = _pareto_job(client)
    for trial in (4, 99):
        response = client.get(f"/jobs/{job.id}/trials/{trial}/model")
        assert response.status_code == 404
        assert f"has no model for trial {trial}" in response.json()["detail"]


def test_the_trial_number_cannot_leave_the_run_folder(client, settings):
    job = _pareto_job(client)
    secret = settings.results_dir / "secret.keras"
    secret.write_bytes(b"not yours")
    for trial in ("..", "-1", "0%2F..%2F..%2F..%2Fsecret.keras", "..%2F..%2Fsecret.keras"):
        response = client.get(f"/jobs/{job.id}/trials/{trial}/model")
        assert response.status_code in (404, 422), trial
        assert b"not yours" not in response.content
    # A trial folder that is a link out of the results folder is not followed either.
    outside = settings.results_dir.parent / "outside"
    outside.mkdir()
    (outside / "model.keras").write_bytes(b"not yours")
    (Path(job.run_dir) / "trials" / "trial_7").symlink_to(outside)
    response = client.get(f"/jobs/{job.id}/trials/7/model")
    assert response.status_code == 404
    assert b"not yours" not in response.content
