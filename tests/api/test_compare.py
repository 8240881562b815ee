"""`GET /compare`: runs of the server's results folder (CLI-made ones included) side by side,
named by repeated or comma-separated `runs`; 422 for fewer than two, 404 for an unknown run,
409 for an unreadable results.json."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from healthopt.api.app import create_app
from healthopt.records import TrialSpec
from healthopt.records.compare import RunComparison

from ..optimize.scripted import Outcome, learning
from ..runs.made_runs import made_run
from .conftest import make_settings


def around(base: float):
    """A script: val accuracy `base` plus 0 to 0.03 by trial number, reached over two epochs."""

    def script(spec: TrialSpec) -> Outcome:
        accuracy = round(base + 0.01 * (spec.trial_number % 4), 6)
        return learning([0.2, accuracy], neuron_utilization=0.6)

    return script


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("server") / "results"
    made_run(root, "good", around(0.85), trials=6, epochs=2)
    made_run(root, "bad", around(0.55), trials=6, epochs=2, seed=3)
    made_run(root, "few", around(0.7), trials=2, epochs=2)
    (root / "broken").mkdir()
    (root / "broken" / "results.json").write_text('{"schema_version": 99}')
    return root


@pytest.fixture
def client(results_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path, results_dir=results_dir))) as test_client:
        yield test_client


def test_two_runs_by_repeated_parameter(client: TestClient):
    response = client.get("/compare", params=[("runs", "good"), ("runs", "bad")])
    assert response.status_code == 200, response.text
    comparison = RunComparison.from_json(response.text)
    assert [side.name for side in comparison.runs] == ["good", "bad"]
    accuracy = next(m for m in comparison.metrics if m.metric == "val_accuracy")
    assert accuracy.values == {"good": 0.88, "bad": 0.58}
    assert accuracy.test == "welch_t" and accuracy.significant is True
    assert accuracy.ci_low is not None and math.isclose(
        (accuracy.ci_low + accuracy.ci_high) / 2, 0.3, abs_tol=1e-9
    )
    # The split seed follows the seed, so the data's fingerprint differs too.
    settings = comparison.setting_differences
    assert set(settings) == {"seed", "split_seed", "data_fingerprint"}
    assert settings["seed"] == settings["split_seed"] == {"good": 1, "bad": 3}
    good = comparison.runs[0]
    assert good.learning_curves["val_accuracy"] == [0.2, 0.88]
    assert good.best_health_components["neuron_utilization"] == 0.6


def test_the_json_has_the_contracts_field_names(client: TestClient):
    body = client.get("/compare", params={"runs": "good,bad"}).json()
    assert {"runs", "metrics", "param_differences", "setting_differences", "notes"} <= set(body)
    assert {
        "name",
        "dataset",
        "mode",
        "trials_complete",
        "best_trial",
        "best_val_accuracy",
        "best_test_accuracy",
        "best_health_score",
        "best_total_score",
        "best_params",
        "learning_curves",
    } <= set(body["runs"][0])
    assert {
        "metric",
        "values",
        "test",
        "p_value",
        "significant",
        "ci_low",
        "ci_high",
        "reason",
    } <= set(body["metrics"][0])


def test_one_comma_separated_value_names_three_runs(client: TestClient):
    response = client.get("/compare", params={"runs": "good, bad,few"})
    assert response.status_code == 200, response.text
    accuracy = next(m for m in response.json()["metrics"] if m["metric"] == "val_accuracy")
    assert accuracy["test"] is None and accuracy["significant"] is None
    assert accuracy["reason"] == "run few has 2 complete trials; need 3"


@pytest.mark.parametrize("params", [{"runs": "good"}, {"runs": "good,"}, {}])
def test_fewer_than_two_runs_is_422(client: TestClient, params):
    response = client.get("/compare", params=params)
    assert response.status_code == 422


def test_fewer_than_two_runs_says_so(client: TestClient):
    response = client.get("/compare", params={"runs": "good"})
    assert response.json()["detail"] == "compare needs at least two runs, got 1"


def test_a_run_named_twice_is_422(client: TestClient):
    response = client.get("/compare", params={"runs": "good,good"})
    assert response.status_code == 422
    assert "more than once" in response.json()["detail"]


@pytest.mark.parametrize("name", ["nope", "..", "good%2F..%2Fbad"])
def test_an_unknown_run_is_404_naming_it(client: TestClient, results_dir: Path, name: str):
    response = client.get(f"/compare?runs=good&runs={name}")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert "run name" in detail or "no run" in detail
    assert str(results_dir.resolve()) not in detail  # the server's paths stay its own


def test_an_unknown_run_names_it(client: TestClient):
    detail = client.get("/compare", params={"runs": "good,nope"}).json()["detail"]
    assert detail == "no run 'nope' in the results folder"


def test_an_unreadable_results_json_is_409_naming_the_file(client: TestClient):
    response = client.get("/compare", params={"runs": "good,broken"})
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("broken/results.json is not readable")
    assert "schema_version 99" in detail
