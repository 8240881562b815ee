"""GET /runs/{run}/views: the contract's shape for any run folder (CLI runs included), the
figures as plotly JSON, 404 for no such run, 409 naming an unreadable results.json, a run with
no trial yet told so, and one computation per version of results.json."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from healthopt.api.routers import views as views_router
from healthopt.api.settings import ServerSettings
from healthopt.records.views import RunViews

from ..runs.view_scripts import driven_run

RUN_VIEWS_KEYS = {"run", "trials_used", "figures", "heatmap", "importance", "notes"}
FIGURE_KEYS = {"name", "title", "figure", "note"}
HEATMAP_KEYS = {"method", "params", "targets", "rho", "p_values", "n", "strongest"}
FINDING_KEYS = {"param", "target", "rho", "p_value", "n", "description"}


def test_a_cli_run_gets_its_views_in_the_contracts_shape(
    client: TestClient, settings: ServerSettings
):
    driven_run(settings.results_dir, "cli_run", trials=8)
    response = client.get("/runs/cli_run/views")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= RUN_VIEWS_KEYS
    assert body["run"] == "cli_run" and body["trials_used"] == 8
    assert set(body["figures"]) == {
        "history",
        "importance_accuracy",
        "importance_health",
        "parallel_coordinates",
        "impact_heatmap",
    }
    for name, spec in body["figures"].items():
        assert set(spec) >= FIGURE_KEYS and spec["name"] == name
        assert set(spec["figure"]) >= {"data", "layout"}
    heatmap = body["heatmap"]
    assert set(heatmap) >= HEATMAP_KEYS and heatmap["method"] == "spearman"
    assert len(heatmap["rho"]) == len(heatmap["params"])
    assert all(set(f) >= FINDING_KEYS for f in heatmap["strongest"])
    top = body["importance"]["val_accuracy"]
    assert max(top, key=top.get) == "learning_rate"
    json.dumps(body, allow_nan=False)
    assert RunViews.from_json(body).run == "cli_run"


def test_views_are_computed_once_per_results_version(client: TestClient, settings: ServerSettings):
    run_dir = driven_run(settings.results_dir, "cached", trials=5)
    views_router._views_of.cache_clear()
    first = client.get("/runs/cached/views").json()
    assert views_router._views_of.cache_info().misses == 1
    assert client.get("/runs/cached/views").json() == first
    assert views_router._views_of.cache_info().hits == 1
    results = run_dir / "results.json"
    results.write_text(results.read_text() + "\n")  # a new version of the file
    client.get("/runs/cached/views")
    assert views_router._views_of.cache_info().misses == 2


def test_a_run_without_trials_yet_says_so(client: TestClient, settings: ServerSettings):
    folder = settings.results_dir / "starting"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    body = client.get("/runs/starting/views").json()
    assert body["trials_used"] == 0 and body["heatmap"] is None
    assert all(spec["figure"] is None for spec in body["figures"].values())
    assert "no trial has finished" in body["notes"][0]
