"""POST /optimize: what a request may ask for, and the message that names what was wrong."""

from __future__ import annotations

from typing import get_args

import pytest
from fastapi.testclient import TestClient

from healthopt.api.jobs import config_for
from healthopt.api.schemas.jobs import OptimizeRequest
from healthopt.config import PRUNERS, SAMPLERS
from healthopt.records import HEALTH_COMPONENTS, Mode


def _problems(client: TestClient, body: dict) -> list[tuple[str, str]]:
    response = client.post("/optimize", json=body)
    assert response.status_code == 422, response.text
    return [(".".join(map(str, e["loc"][1:])), e["msg"]) for e in response.json()["detail"]]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"trials": -1}, "trials", "greater than or equal to 1"),
        ({"trials": 0}, "trials", "greater than or equal to 1"),
        ({"max_epochs_per_trial": 0}, "max_epochs_per_trial", "greater than or equal to 1"),
        ({"dataset_name": "mnistt"}, "dataset_name", "unknown dataset 'mnistt'; choose one of"),
        ({"dataset_name": "npz:/etc/passwd"}, "dataset_name", "unknown dataset"),
        ({"mode": "fast"}, "mode", "mode must be one of simple, health-aware, pareto, got 'fast'"),
        ({"plot_generation": "some"}, "plot_generation", "'all', 'best' or 'none'"),
        ({"monitor_every_epochs": 0}, "monitor_every_epochs", "greater than or equal to 1"),
        (
            {"mode": "health_aware", "accuracy_weight": 0.6, "health_weight": 0.6},
            "",
            "accuracy_weight + health_weight must be 1",
        ),
        (
            {"mode": "health_aware", "health_component_weights": {"gradient_health": 0.5}},
            "health_component_weights",
            "must sum to 1 (they sum to 0.5)",
        ),
        (
            {"mode": "health_aware", "health_component_weights": {"vibes": 1.0}},
            "health_component_weights",
            "unknown health components ['vibes']",
        ),
        ({"accuracy_weight": 0.5}, "", "simple mode scores accuracy alone"),
        ({"target_gpus_per_worker": 2}, "", "set use_runpod_service or send 1"),
        (
            {"use_runpod_service": True, "target_gpus_per_worker": 9},
            "target_gpus_per_worker",
            "less than or equal to 8",
        ),
        ({"seed": -3}, "seed", "greater than or equal to 0"),
        ({"trials": "many"}, "trials", "valid integer"),
        ({"epochs": 3}, "epochs", "Extra inputs are not permitted"),
    ],
)
def test_bad_requests_get_422_naming_the_field(client: TestClient, body, field, words):
    problems = _problems(client, body)
    assert any(f == field and words in msg for f, msg in problems), problems
    assert client.app.state.healthopt.store.list() == []  # nothing was started


def test_more_workers_than_the_server_allows_is_422(client: TestClient):
    problems = _problems(client, {"concurrent": True, "concurrent_workers": 3})
    assert problems == [("concurrent_workers", problems[0][1])]
    assert "at most 2 on this server" in problems[0][1]


def test_a_request_becomes_the_config_it_asks_for(tmp_path):
    request = OptimizeRequest(
        dataset_name="digits",
        trials=4,
        max_epochs_per_trial=3,
        mode=Mode.HEALTH_AWARE,
        health_weight=0.4,
        concurrent=True,
        concurrent_workers=2,
        plot_generation="none",
        seed=7,
    )
    config = config_for(request, "r1", tmp_path)
    assert (config.mode, config.trials, config.max_epochs_per_trial) == ("health-aware", 4, 3)
    assert config.scoring_weights.accuracy_weight == pytest.approx(0.6)
    assert config.scoring_weights.health_weight == pytest.approx(0.4)
    assert (config.concurrent_workers, config.seed, config.output_dir) == (2, 7, str(tmp_path))
    sequential = OptimizeRequest(concurrent=False, concurrent_workers=2)
    assert config_for(sequential, "r2", tmp_path).concurrent_workers == 1  # seed 002's flag
    remote = config_for(
        OptimizeRequest(use_runpod_service=True, target_gpus_per_worker=2), "r3", tmp_path
    )
    assert (remote.use_runpod_service, remote.target_gpus_per_worker) == (True, 2)
    searched = config_for(
        OptimizeRequest(
            sampler="random", pruner="median", health_pruning=False, monitor_every_epochs=3
        ),
        "r4",
        tmp_path,
    )
    assert (searched.sampler, searched.pruner, searched.health_pruning) == (
        "random",
        "median",
        False,
    )
    assert searched.monitor_every_epochs == 3
    assert config_for(OptimizeRequest(), "r5", tmp_path).monitor_every_epochs is None


def test_the_request_offers_exactly_the_configs_samplers_and_pruners():
    fields = OptimizeRequest.model_fields
    assert get_args(fields["sampler"].annotation) == SAMPLERS
    assert get_args(fields["pruner"].annotation) == PRUNERS


def test_default_scoring_weights_are_seed_002s(client: TestClient):
    weights = client.get("/default-scoring-weights").json()
    assert (weights["accuracy_weight"], weights["health_weight"]) == (0.7, 0.3)
    assert sum(weights["health_component_weights"].values()) == pytest.approx(1.0)
    assert weights["modes"]["simple"]["accuracy_weight"] == 1.0
    assert weights["modes"]["health-aware"]["health_weight"] == pytest.approx(0.3)
    # The component names reach the dashboard from the server, in HealthComponent order.
    assert weights["health_components"] == list(HEALTH_COMPONENTS)
    assert list(weights["health_component_weights"]) == list(HEALTH_COMPONENTS)


def test_the_old_mode_spelling_is_still_read_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="health_aware"):
        request = OptimizeRequest.model_validate({"mode": "health_aware"})
    assert request.mode is Mode.HEALTH_AWARE
    assert OptimizeRequest.model_validate({"mode": "health-aware"}).mode is Mode.HEALTH_AWARE
    assert "deprecated" in OptimizeRequest.model_fields["mode"].description.lower()
