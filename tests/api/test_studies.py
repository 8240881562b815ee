"""Comparison studies through the app: a real study end to end, crafted study folders for the
rules (validation, 404s, 409s, confinement), and a study that survives a server restart.

Only the study analysed end to end trains; the tests of the study queue's bookkeeping (one at
a time, cancel, resume after a restart, the events it streams) run scripted trials that take a
second each, which is all they need of a trial: a run that is in progress for a while.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from healthopt.api.app import create_app
from healthopt.api.studies import STUDIES_DIR
from healthopt.config import HEALTH_COMPONENTS
from healthopt.records import Mode
from healthopt.study.config import StudyConfig
from healthopt.study.metadata import StudyMetadata
from healthopt.study.runner import ComparisonStudy

from ..optimize.scripted import ScriptedExecutor, complete, script_studies
from .conftest import make_settings

SMALLEST = {
    "dataset_name": "digits",
    "runs_per_mode": 2,
    "trials_per_mode": 1,
    "max_epochs_per_trial": 1,
    "modules_to_run": ["generalization", "calibration"],
}
MODES = ("accuracy_only", "health_aware")
# A scripted study trial: long enough for a poll to see its run in progress; health measured,
# so the health-aware arm has a score to choose by.
STUDY_TRIAL = complete(0.8, seconds=1.0, **dict.fromkeys(HEALTH_COMPONENTS, 0.7))


def _poll(client: TestClient, study_id: str, done, timeout: float = 240) -> list[dict]:
    """Every status seen until `done(status)`; the timeout only guards against a hang."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(client.get(f"/comparison-study/{study_id}/status").json())
        if done(seen[-1]):
            return seen
        time.sleep(0.2)
    raise AssertionError(f"study {study_id} never got there: {seen[-1]}")


def _ended(status: dict) -> bool:
    return status["state"] not in ("pending", "running")


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """One smallest digits study through both phases, with every status polled meanwhile."""
    settings = make_settings(tmp_path_factory.mktemp("studies"))
    with TestClient(create_app(settings)) as client:
        started = client.post("/comparison-study/start", json=SMALLEST)
        assert started.status_code == 202
        study_id = started.json()["study_id"]
        assert started.json()["status_url"] == f"/comparison-study/{study_id}/status"
        seen = _poll(client, study_id, lambda s: s["phase"] == "analyzed" or _ended(s))
        yield client, study_id, seen


@pytest.fixture
def scripted_trials(monkeypatch) -> list[ScriptedExecutor]:
    """Studies started from now on run STUDY_TRIAL for every trial, without TensorFlow."""
    return script_studies(monkeypatch, lambda spec: STUDY_TRIAL)


def _craft(results_dir: Path, study_id: str, **changes) -> StudyMetadata:
    """A study folder with only metadata.json: nothing trained, nothing running."""
    root = results_dir / STUDIES_DIR
    config = StudyConfig(runs_per_mode=2, trials_per_run=3, output_dir=str(root), study_id=study_id)
    metadata = ComparisonStudy(config).metadata().with_updates(**changes)
    metadata.write(root / study_id / "metadata.json")
    return metadata


# -- a real study -----------------------------------------------------------------------------
@pytest.mark.slow
def test_a_study_builds_then_analyses_by_itself(analysed):
    client, study_id, seen = analysed
    final = seen[-1]
    assert (final["phase"], final["state"], final["error"]) == ("analyzed", "completed", None)
    for mode in MODES:
        progress = [s[f"{mode}_progress"] for s in seen]
        assert {p["runs_completed"] for p in progress} >= {1, 2}  # watched run by run
        assert any(p["current_run"] is not None for p in progress)
        last = progress[-1]
        assert (last["runs_total"], last["runs_failed"], last["trials_per_run"]) == (2, 0, 1)
        assert last["current_run"] is None
        assert 0 <= last["best_val_accuracy"] <= 1 and 0 <= last["best_holdout_accuracy"] <= 1
    assert final["analysis"] == {
        "modules_requested": ["generalization", "calibration"],
        "modules_completed": ["generalization", "calibration"],
        "current_module": None,
    }
    assert final["ablation_progress"] is None
    assert final["best_models_selected"] and final["results_available"]
    assert final["report_available"]
    assert final["config"]["runs_per_mode"] == 2 and final["config"]["trials_per_run"] == 1
    assert final["config"]["health_weights"]["health_weight"] == pytest.approx(0.3)
    listed = client.get("/comparison-study").json()
    assert [s["study_id"] for s in listed] == [study_id] and listed[0] == final


@pytest.mark.slow
def test_results_carry_the_summary_and_the_modules(analysed):
    client, study_id, seen = analysed
    results = client.get(f"/comparison-study/{study_id}/results").json()
    assert results["study_id"] == study_id and results["dataset"] == "digits"
    assert results["schema_version"] == 1 and "report" in results
    summary = results["executive_summary"]
    assert [row["metric"] for row in summary["rows"]] == [
        "Validation accuracy",
        "Test accuracy",
        "Holdout accuracy",
        "Generalization gap (val - holdout)",
    ]
    for row in summary["rows"]:
        assert row["p_value"] is None or 0 <= row["p_value"] <= 1
        assert row["significant"] == (row["p_value"] is not None and row["p_value"] < 0.05)
    assert summary["winner"] in (None, *MODES) and summary["verdict"]
    assert list(results["modules"]) == ["generalization", "calibration"]
    for module in results["modules"].values():
        assert module["available"], module["reason"]
        assert module["summary"] and module["figures"]
        assert all(len(row) == len(t["columns"]) for t in module["tables"] for row in t["rows"])
        for test in module["tests"]:  # a comparison of the modes, or one test (McNemar)
            single = test.get("primary", test)
            assert single["name"] and single["significant"] in (True, False)
    assert set(results["best_models"]) == set(MODES)
    holdout = {m: results["best_models"][m]["holdout_accuracy"] for m in MODES}
    assert holdout == {m: seen[-1][f"{m}_progress"]["best_holdout_accuracy"] for m in MODES}
    assert results["design"]["completed_runs"] == {"accuracy_only": 2, "health_aware": 2}
    assert len(results["runs"]) == 4 and results["conclusions"]


@pytest.mark.slow
def test_the_report_and_the_figures_download(analysed):
    client, study_id, _ = analysed
    report = client.get(f"/comparison-study/{study_id}/report/pdf")
    assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
    assert report.content[:4] == b"%PDF"
    assert f'filename="{study_id}_report.pdf"' in report.headers["content-disposition"]
    results = client.get(f"/comparison-study/{study_id}/results").json()
    figures = [f for m in results["modules"].values() for f in m["figures"]]
    assert figures and all(f["url"] for f in figures)
    png = client.get(figures[0]["url"])
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    # Only figures: neither results.json nor anything beside the folder is served.
    for name in ("results.json", "..%2Fresults.json", "..%2F..%2Fmetadata.json"):
        assert client.get(f"/comparison-study/{study_id}/figures/{name}").status_code == 404


@pytest.mark.slow
def test_a_finished_study_cannot_be_cancelled(analysed):
    client, study_id, _ = analysed
    assert client.post(f"/comparison-study/{study_id}/cancel").status_code == 409


@pytest.mark.slow
def test_an_analysed_study_can_be_analysed_again_with_other_modules(analysed):
    # Last of the module's tests on `analysed`: it replaces the study's results.
    client, study_id, _ = analysed
    queued = client.post(f"/comparison-study/{study_id}/analyze", json={"modules_to_run": ["all"]})
    assert queued.status_code == 202 and queued.json()["state"] in ("pending", "running")
    again = client.post(f"/comparison-study/{study_id}/analyze", json={})
    assert again.status_code == 409  # already queued or running
    assert client.post(f"/comparison-study/{study_id}/cancel").json()["state"] in (
        "pending",
        "running",
    )
    final = _poll(client, study_id, _ended)[-1]
    assert (final["phase"], final["state"]) == ("built", "cancelled")
    assert final["results_available"]  # the earlier analysis stays readable

    queued = client.post(
        f"/comparison-study/{study_id}/analyze", json={"modules_to_run": ["per_class"]}
    )
    assert queued.json()["analysis"]["modules_requested"] == ["per_class"]
    final = _poll(client, study_id, _ended)[-1]
    assert (final["phase"], final["state"], final["error"]) == ("analyzed", "completed", None)
    assert final["analysis"]["modules_completed"] == ["per_class"]
    assert final["accuracy_only_progress"]["best_holdout_accuracy"] is None  # not measured now
    results = client.get(f"/comparison-study/{study_id}/results").json()
    assert list(results["modules"]) == ["per_class"]


# -- rules, on crafted study folders --------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"accuracy_weight": 0.5, "health_overall_weight": 0.3}, "must be 1"),
        ({"health_components": {"neuron_utilization": 0.5}}, "must sum to 1"),
        ({"health_components": {"beauty": 1.0}}, "unknown health components"),
        ({"accuracy_weight": 1.0, "health_overall_weight": 0.0}, "must be above 0"),
        ({"modules_to_run": ["generalization", "astrology"]}, "unknown analysis module"),
        ({"modules_to_run": []}, "at least one analysis module"),
        ({"dataset_name": "npz:/etc/passwd"}, "unknown dataset"),
        ({"runs_per_mode": 0}, "greater than or equal to 1"),
        ({"trials_per_mode": 201}, "less than or equal to 200"),
        ({"concurrent_workers": 3}, "at most 2 on this server"),
        ({"surprise": 1}, "Extra inputs are not permitted"),
    ],
)
def test_bad_start_requests_are_422_with_the_reason(client, body, message):
    response = client.post("/comparison-study/start", json=body)
    assert response.status_code == 422
    assert message in str(response.json()["detail"])
    assert client.get("/comparison-study").json() == []  # nothing was created


def test_the_study_routes_need_the_token(tmp_path):
    settings = make_settings(tmp_path, api_token="s3cr3t")
    _craft(settings.results_dir, "guarded", phase="built", state="completed")
    with TestClient(create_app(settings)) as client:
        for method, path in (
            ("get", "/comparison-study"),
            ("get", "/comparison-study/guarded/status"),
            ("post", "/comparison-study/guarded/analyze"),
            ("post", "/comparison-study/start"),
        ):
            assert getattr(client, method)(path).status_code == 401, path
        allowed = client.get("/comparison-study", headers={"Authorization": "Bearer s3cr3t"})
        assert [s["study_id"] for s in allowed.json()] == ["guarded"]
        assert client.get("/comparison-study/guarded/status").json() == {
            "detail": "missing or wrong bearer token"
        }


def test_unknown_studies_are_404(client):
    for study_id in ("no_such_study", "..", ".hidden"):
        for method, path in (
            ("get", "status"),
            ("get", "results"),
            ("get", "report/pdf"),
            ("get", "figures/a.png"),
            ("post", "analyze"),
            ("post", "cancel"),
        ):
            response = getattr(client, method)(f"/comparison-study/{study_id}/{path}")
            assert response.status_code == 404, (study_id, path)


def test_status_counts_the_runs_of_metadata(client, settings):
    metadata = _craft(settings.results_dir, "crafted", phase="built", state="completed")
    runs = []
    for record in metadata.runs:
        if record.mode is Mode.SIMPLE:
            record = record.with_updates(
                status="completed", model_path="m.keras", val_accuracy=0.8 + 0.1 * record.index
            )
        elif record.index == 0:
            record = record.with_updates(status="failed", error="boom")
        else:
            record = record.with_updates(status="completed", model_path="m.keras", val_accuracy=0.7)
        runs.append(record)
    StudyMetadata.write(
        metadata.with_updates(runs=runs),
        settings.results_dir / STUDIES_DIR / "crafted" / "metadata.json",
    )
    status = client.get("/comparison-study/crafted/status").json()
    assert status["accuracy_only_progress"] == {
        "runs_total": 2,
        "runs_completed": 2,
        "runs_failed": 0,
        "current_run": None,
        "current_trials_done": 0,
        "trials_per_run": 3,
        "best_val_accuracy": pytest.approx(0.9),
        "best_holdout_accuracy": None,
    }
    health = status["health_aware_progress"]
    assert (health["runs_completed"], health["runs_failed"], health["best_val_accuracy"]) == (
        1,
        1,
        0.7,
    )
    assert status["best_models_selected"] and not status["results_available"]
    assert client.get("/comparison-study/crafted/results").status_code == 404
    assert client.get("/comparison-study/crafted/report/pdf").status_code == 404


def test_analyze_needs_phase_1a_finished_and_an_idle_study(client, settings):
    _craft(settings.results_dir, "unbuilt", phase="building", state="failed")
    response = client.post("/comparison-study/unbuilt/analyze", json={})
    assert response.status_code == 409 and "phase 1a" in response.json()["detail"]
    _craft(settings.results_dir, "busy", phase="built", state="running")
    assert client.post("/comparison-study/busy/analyze").status_code == 409
    bad = client.post("/comparison-study/busy/analyze", json={"modules_to_run": ["x"]})
    assert bad.status_code == 422


def test_cancel_needs_a_running_or_waiting_study(client, settings):
    _craft(settings.results_dir, "idle", phase="built", state="completed")
    assert client.post("/comparison-study/idle/cancel").status_code == 409
    # Pending on disk but not queued here: cancelled without ever starting.
    _craft(settings.results_dir, "waiting", state="pending")
    cancelled = client.post("/comparison-study/waiting/cancel").json()
    assert (cancelled["state"], cancelled["error"]) == ("cancelled", "cancelled before it started")
    assert client.post("/comparison-study/waiting/cancel").status_code == 409


def test_only_the_study_figures_folder_is_served(client, settings, tmp_path):
    _craft(settings.results_dir, "drawn", phase="analyzed", state="completed")
    figures = settings.results_dir / STUDIES_DIR / "drawn" / "analysis_results" / "figures"
    figures.mkdir(parents=True)
    Image.new("RGB", (4, 4), "red").save(figures / "curve.png")
    Image.new("RGB", (4, 4), "red").save(tmp_path / "outside.png")
    (figures / "link.png").symlink_to(tmp_path / "outside.png")
    assert client.get("/comparison-study/drawn/figures/curve.png").status_code == 200
    for name in ("link.png", "..%2Fmetadata.json", "..%2F..%2F..%2Foutside.png", "curve.PNG"):
        assert client.get(f"/comparison-study/drawn/figures/{name}").status_code == 404, name


def test_studies_are_listed_newest_first(client, settings):
    _craft(settings.results_dir, "older", created_at="2024-01-01T00:00:00+00:00")
    _craft(settings.results_dir, "newer", created_at="2025-01-01T00:00:00+00:00")
    (settings.results_dir / STUDIES_DIR / "not_a_study").mkdir()
    listed = [s["study_id"] for s in client.get("/comparison-study").json()]
    assert listed == ["newer", "older"]


def test_one_study_runs_at_a_time_and_either_can_be_cancelled(tmp_path, scripted_trials):
    body = {**SMALLEST, "trials_per_mode": 50, "modules_to_run": None}
    with TestClient(create_app(make_settings(tmp_path))) as client:
        first = client.post("/comparison-study/start", json=body).json()["study_id"]
        second = client.post("/comparison-study/start", json=body).json()["study_id"]
        assert client.get(f"/comparison-study/{second}/status").json()["state"] == "pending"
        assert client.post(f"/comparison-study/{second}/cancel").json()["state"] == "cancelled"

        _poll(client, first, lambda s: s["accuracy_only_progress"]["current_run"] is not None)
        client.post(f"/comparison-study/{first}/cancel")
        final = _poll(client, first, _ended)[-1]
        assert (final["phase"], final["state"]) == ("building", "cancelled")
        assert "finished runs are kept" in final["error"]
        assert client.post(f"/comparison-study/{first}/analyze").status_code == 409
        assert client.get(f"/comparison-study/{second}/status").json()["state"] == "cancelled"
        studies = client.app.state.healthopt.results_dir / STUDIES_DIR
        assert not (studies / second / "accuracy_only").exists()  # never started
    assert len(scripted_trials) == 1 and len(scripted_trials[0].specs) < 50  # cut short


# -- restarts -------------------------------------------------------------------------------
def test_a_study_stopped_by_a_shutdown_resumes_at_the_next_start(tmp_path, scripted_trials):
    settings = make_settings(tmp_path)
    body = {**SMALLEST, "runs_per_mode": 1, "modules_to_run": None}
    with TestClient(create_app(settings)) as client:
        study_id = client.post("/comparison-study/start", json=body).json()["study_id"]
        running = _poll(
            client,
            study_id,
            lambda s: s["accuracy_only_progress"]["current_run"] is not None or _ended(s),
        )[-1]
        assert running["state"] == "running"
    metadata = StudyMetadata.read(settings.results_dir / STUDIES_DIR / study_id / "metadata.json")
    assert (metadata.phase, metadata.state) == ("building", "running")  # left resumable

    with TestClient(create_app(settings)) as client:
        assert client.app.state.healthopt.studies.is_running(study_id)
        final = _poll(client, study_id, _ended)[-1]
        assert (final["phase"], final["state"], final["error"]) == ("built", "completed", None)
        for mode in MODES:
            assert final[f"{mode}_progress"]["runs_completed"] == 1
        assert final["analysis"]["modules_requested"] == [] and not final["results_available"]
        assert client.post(f"/comparison-study/{study_id}/cancel").status_code == 409


# -- one runner over one table ---------------------------------------------------------------
def test_a_study_is_a_row_of_the_jobs_table_and_streams_over_a_websocket(tmp_path, scripted_trials):
    body = {**SMALLEST, "runs_per_mode": 1, "modules_to_run": None}
    with TestClient(create_app(make_settings(tmp_path))) as client:
        study_id = client.post("/comparison-study/start", json=body).json()["study_id"]
        messages = []
        with client.websocket_connect(f"/ws/studies/{study_id}") as socket:
            while not messages or messages[-1]["kind"] != "study_finished":
                messages.append(socket.receive_json())
        store = client.app.state.healthopt.store
        row = store.latest("study", study_id)
        jobs = client.get("/jobs").json()["jobs"]
        health = client.get("/health").json()
    assert messages[0]["kind"] == "study_status" and messages[0]["study_id"] == study_id
    seen = {m["event"]["kind"] for m in messages if m["kind"] == "study_event"}
    assert {"study_run_started", "study_run_finished", "trial_finished"} <= seen
    assert messages[-1] == {"kind": "study_finished", "study_id": study_id, "state": "completed"}
    # Claimed and ended like a job, but not listed or counted as one.
    assert (row.status, row.attempts, row.owner) == ("completed", 1, None)
    assert jobs == [] and health["jobs_running"] == 0


def test_a_study_folder_from_before_rows_is_adopted_at_start(tmp_path):
    settings = make_settings(tmp_path)
    _craft(settings.results_dir, "older", state="pending")
    app = create_app(settings)
    store = app.state.healthopt.store
    assert store.latest("study", "older") is None
    adopted = app.state.healthopt.studies.resume()
    app.state.healthopt.jobs.runner.shutdown()
    assert adopted == ["older"]
    assert store.latest("study", "older") is not None
