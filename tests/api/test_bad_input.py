"""Hostile and broken input gets a 4xx naming what was wrong, never a 500.

Request bodies: non-finite numbers and lone surrogates (whose 422 could not be serialised) and
values of the wrong JSON type (which were coerced). Run folders: files of the wrong shape, as a
foreign or hand-edited RunPod ZIP may bring, a truncated results.json, and models whose bytes
are not the ones their trial recorded. No error body names a path of the server's disk.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from healthopt.api.settings import ServerSettings

from .conftest import finished_job

JSON = {"content-type": "application/json"}
# Raw JSON spellings: Python's json module reads each of them, into nan, inf or -inf.
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]
LONE_SURROGATE = '"\\ud800"'
HEALTH_AWARE = '"mode": "health-aware", '


def _post(client: TestClient, url: str, text: str):
    # Sent as text: a JSON encoder would refuse these values before they left the client.
    return client.post(url, content=text.encode("ascii"), headers=JSON)


def _named(response, *loc: str) -> dict:
    """The 422's error for the field at `loc`; fails unless there is one."""
    assert response.status_code == 422, response.text
    errors = [e for e in response.json()["detail"] if tuple(e["loc"]) == ("body", *loc)]
    assert errors, response.json()
    return errors[0]


@pytest.fixture
def lenient_client(settings: ServerSettings):
    """The app as a client sees it: an unhandled error is a 500 response, not an exception."""
    from healthopt.api.app import create_app

    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize("number", NON_FINITE)
@pytest.mark.parametrize(
    ("url", "body", "loc"),
    [
        ("/optimize", '{"trials": %s}', ("trials",)),
        ("/optimize", '{"accuracy_margin": %s}', ("accuracy_margin",)),
        (
            "/optimize",
            "{" + HEALTH_AWARE + '"health_component_weights": {"gradient_health": %s}}',
            ("health_component_weights", "gradient_health"),
        ),
        ("/comparison-study/start", '{"runs_per_mode": %s}', ("runs_per_mode",)),
        ("/comparison-study/start", '{"accuracy_weight": %s}', ("accuracy_weight",)),
    ],
)
def test_a_non_finite_number_is_a_422_naming_the_field(lenient_client, url, body, loc, number):
    error = _named(_post(lenient_client, url, body % number), *loc)
    assert error["msg"] == "must be a finite number"


@pytest.mark.parametrize(
    ("url", "body", "loc"),
    [
        ("/optimize", '{"dataset_name": %s}', ("dataset_name",)),
        ("/optimize", '{"mode": %s}', ("mode",)),
        ("/optimize", '{"sampler": %s}', ("sampler",)),
        ("/optimize", "{%s: 1}", ()),
        (
            "/optimize",
            "{" + HEALTH_AWARE + '"health_component_weights": {%s: 1}}',
            ("health_component_weights",),
        ),
        ("/comparison-study/start", '{"dataset_name": %s}', ("dataset_name",)),
        ("/comparison-study/start", '{"modules_to_run": [%s]}', ("modules_to_run",)),
    ],
)
def test_a_lone_surrogate_is_a_422_naming_the_field(lenient_client, url, body, loc):
    response = _post(lenient_client, url, body % LONE_SURROGATE)
    _named(response, *loc)
    assert "\\ud800" in response.text  # echoed escaped, so the body is valid UTF-8


def test_an_unknown_field_with_a_non_finite_value_is_still_a_422(lenient_client):
    error = _named(_post(lenient_client, "/optimize", '{"trails": NaN}'), "trails")
    assert error["type"] == "extra_forbidden" and error["input"] == "NaN"


@pytest.mark.parametrize(
    ("url", "field", "value"),
    [
        ("/optimize", "trials", "2"),
        ("/optimize", "trials", True),
        ("/optimize", "trials", 2.0),
        ("/optimize", "accuracy_margin", "0.1"),
        ("/optimize", "use_runpod_service", "true"),
        ("/optimize", "concurrent", 1),
        ("/comparison-study/start", "runs_per_mode", "2"),
        ("/comparison-study/start", "seed", False),
        ("/comparison-study/start", "use_runpod_service", 0),
    ],
)
def test_values_of_the_wrong_json_type_are_not_coerced(client, url, field, value):
    response = client.post(url, json={field: value})
    _named(response, field)


def test_a_whole_number_is_still_a_valid_float(client):
    # trials=0 keeps a job from starting; the weights, whole numbers, are accepted as floats.
    body = {"mode": "health-aware", "accuracy_weight": 1, "health_weight": 0, "trials": 0}
    response = client.post("/optimize", json=body)
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "trials"]]


# -- run folders -------------------------------------------------------------------------


def _edit_results(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def change(run_dir: Path) -> None:
        path = run_dir / "results.json"
        results = json.loads(path.read_text())
        edit(results)
        path.write_text(json.dumps(results))

    return change


def _trial_json(name: str, text: str) -> Callable[[Path], None]:
    def change(run_dir: Path) -> None:
        (run_dir / "trials" / "trial_0" / f"{name}.json").write_text(text)

    return change


def _architecture_layers(run_dir: Path) -> None:
    path = run_dir / "trials" / "trial_0" / "architecture.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "layers": "x"}))


def _truncate_results(run_dir: Path) -> None:
    path = run_dir / "results.json"
    path.write_text(path.read_text()[:120])


BEST_MODEL = "/jobs/{}/best-model"
BROKEN_FILES = [
    # (what is broken, the change, the routes that read it, words the reason must hold)
    (
        "trials is not a list",
        _edit_results(lambda r: r.update(trials="x")),
        ["/jobs/{}/trials", BEST_MODEL, BEST_MODEL + "/architecture", "/download/{}"],
        ["results.json", "trials"],
    ),
    (
        "a trial's metrics are null",
        _edit_results(lambda r: r["trials"][0].update(metrics=None)),
        ["/jobs/{}/trials", BEST_MODEL, BEST_MODEL + "/download", "/download/{}"],
        ["results.json", "metrics"],
    ),
    (
        "a trial's analysis is a list",
        _edit_results(lambda r: r["trials"][0].update(analysis=[1])),
        ["/jobs/{}/trials", BEST_MODEL, "/download/{}"],
        ["results.json", "analysis"],
    ),
    (
        "results.json is truncated",
        _truncate_results,
        ["/jobs/{}/trials", BEST_MODEL, "/download/{}", "/jobs/{}/trials/0/model"],
        ["results.json is not readable"],
    ),
    (
        "architecture layers are a string",
        _architecture_layers,
        [BEST_MODEL, BEST_MODEL + "/architecture"],
        ["trial_0/architecture.json", "layers"],
    ),
    (
        "analysis.json is a list",
        _trial_json("analysis", "[1]"),
        [BEST_MODEL, BEST_MODEL + "/download"],
        ["trial_0/analysis.json"],
    ),
    (
        "diagnostics.json has issues of the wrong shape",
        _trial_json("diagnostics", '{"issues": "x"}'),
        [BEST_MODEL],
        ["trial_0/diagnostics.json", "issues"],
    ),
]


@pytest.mark.parametrize(
    ("change", "routes", "words"),
    [case[1:] for case in BROKEN_FILES],
    ids=[case[0] for case in BROKEN_FILES],
)
def test_a_broken_run_file_is_a_409_naming_the_file_and_field(
    lenient_client, settings, change, routes, words
):
    job = finished_job(lenient_client.app.state.healthopt.store, settings.results_dir)
    (Path(job.run_dir) / "trials" / "trial_0" / "model.keras").write_bytes(b"model")
    change(Path(job.run_dir))
    for route in routes:
        response = lenient_client.get(route.format(job.id))
        assert response.status_code == 409, (route, response.status_code, response.text)
        reason = response.json()["detail"]
        assert all(word in reason for word in words), (route, reason)
        assert str(settings.results_dir.resolve()) not in reason


def test_a_missing_results_file_of_a_running_job_is_still_no_trials(client, settings):
    """Before the first trial finishes there is no results.json: that is no trials, not 409."""
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    (Path(job.run_dir) / "results.json").unlink()
    assert client.get(f"/jobs/{job.id}/trials").json()["trials"] == []


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record_model_digests(run_dir: Path, optimized: str, trial: str) -> None:
    def edit(results: dict) -> None:
        results["optimized_model_sha256"] = optimized
        results["trials"][0]["model_sha256"] = trial

    _edit_results(edit)(run_dir)


@pytest.fixture
def job_with_models(client, settings):
    """A finished job whose optimized and trial models carry the digests of their bytes."""
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    run_dir = Path(job.run_dir)
    optimized = next((run_dir / "optimized_model").iterdir())
    trial = run_dir / "trials" / "trial_0" / "model.keras"
    trial.write_bytes(b"PK\x03\x04 the trial's model")
    _record_model_digests(run_dir, _sha256(optimized.read_bytes()), _sha256(trial.read_bytes()))
    return job, optimized, trial


def test_models_whose_bytes_match_their_digests_download(client, job_with_models):
    job, optimized, trial = job_with_models
    assert client.get(f"/download/{job.id}").content == optimized.read_bytes()
    assert client.get(f"/jobs/{job.id}/trials/0/model").content == trial.read_bytes()


@pytest.mark.parametrize("which", ["optimized", "trial"])
def test_a_model_changed_on_disk_is_a_409_not_a_download(client, settings, job_with_models, which):
    job, optimized, trial = job_with_models
    route = f"/download/{job.id}" if which == "optimized" else f"/jobs/{job.id}/trials/0/model"
    (optimized if which == "optimized" else trial).write_bytes(b"garbage, not the model")
    response = client.get(route)
    assert response.status_code == 409, response.text
    reason = response.json()["detail"]
    assert "sha256" in reason and str(settings.results_dir.resolve()) not in reason


def test_error_bodies_name_no_absolute_server_path(lenient_client, settings):
    """A job whose run folder is gone: TensorBoard's refusal names the folder by its name."""
    job = finished_job(lenient_client.app.state.healthopt.store, settings.results_dir)
    shutil.rmtree(job.run_dir)
    response = lenient_client.post(f"/jobs/{job.id}/tensorboard/start")
    assert response.status_code == 409, response.text
    assert Path(job.run_dir).name in response.text
    assert str(settings.results_dir.resolve()) not in response.text
