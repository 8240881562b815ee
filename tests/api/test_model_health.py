"""The best trial's diagnostics and per-layer health, from crafted trial files."""

from __future__ import annotations

import json
from pathlib import Path

from healthopt.api.model_health import diagnostics_summary, layer_health
from healthopt.records import ArchitectureSummary
from healthopt.visualization import ArchitectureView, CytoscapeNodeData, build_view

from .conftest import ARCHITECTURE, finished_job


def _issue(check: str, severity: str, layer_id: str | None = None) -> dict:
    return {
        "check": check,
        "severity": severity,
        "category": "architecture",
        "title": f"{check} title",
        "description": f"{check} happened",
        "suggestion": f"fix {check}",
        "epoch_index": None,
        "layer_id": layer_id,
        "metric_key": None,
        "metric_value": None,
    }


DIAGNOSTICS = {
    "health_score": 72,
    "issue_count": 3,
    "summary_json": {"severity_breakdown": {"critical": 1, "warning": 1, "info": 1}},
    "issues": [
        _issue("carbon", "info"),
        _issue("dead_relu", "critical", "dense_0"),
        _issue("bottleneck", "warning", "conv_1"),
    ],
}
ANALYSIS = {
    "weights": [
        {"name": "conv_1", "role": "kernel", "health_score": 0.93},
        {"name": "conv_1", "role": "bias", "health_score": 0.1},
    ],
    "spectral": [{"name": "conv_1", "role": "kernel", "alpha": 3.2, "training_status": "ok"}],
    "information_flow": [{"name": "dense_0", "dead_fraction": 0.6, "saturated_fraction": 0.0}],
}


def test_issues_come_most_severe_first_with_their_suggestions():
    summary = diagnostics_summary(DIAGNOSTICS)
    assert [i.check for i in summary.issues] == ["dead_relu", "bottleneck", "carbon"]
    assert summary.health_score == 72 and summary.issue_count == 3
    assert summary.severity_counts == {"critical": 1, "warning": 1, "info": 1}
    assert summary.issues[0].suggestion == "fix dead_relu"


def test_counts_are_derived_when_the_engine_gave_none():
    summary = diagnostics_summary({"issues": [_issue("a", "warning"), _issue("b", "warning")]})
    assert summary.severity_counts == {"critical": 0, "warning": 2, "info": 0}
    assert summary.issue_count == 2 and summary.health_score is None


def test_no_diagnostics_is_an_empty_summary():
    summary = diagnostics_summary(None)
    assert summary.issues == [] and summary.issue_count == 0 and summary.health_score is None


def test_layer_health_joins_analyzer_and_diagnostics_by_layer_name():
    layers = layer_health(ANALYSIS, diagnostics_summary(DIAGNOSTICS))
    assert set(layers) == {"conv_1", "dense_0"}
    conv = layers["conv_1"]
    assert (conv.weight_health, conv.alpha, conv.spectral_status) == (0.93, 3.2, "ok")
    assert conv.issues == ["bottleneck title"]
    dense = layers["dense_0"]
    assert dense.dead_fraction == 0.6 and dense.alpha is None
    assert dense.issues == ["dead_relu title"]


def test_best_model_reads_the_trial_files(client, settings):
    store = client.app.state.healthopt.store
    job = finished_job(store, settings.results_dir)
    folder = Path(job.run_dir) / "trials" / "trial_0"
    (folder / "diagnostics.json").write_text(json.dumps(DIAGNOSTICS))
    (folder / "analysis.json").write_text(json.dumps(ANALYSIS))
    best = client.get(f"/jobs/{job.id}/best-model").json()
    assert [i["check"] for i in best["diagnostics"]["issues"]] == [
        "dead_relu",
        "bottleneck",
        "carbon",
    ]
    assert best["layer_health"]["conv_1"]["alpha"] == 3.2
    assert best["plots_zip_url"] == f"/jobs/{job.id}/download/plots"
    assert client.get(best["architecture_url"]).json() == best["architecture"]


def test_a_corrupt_diagnostics_file_is_a_409_naming_it(client, settings):
    """Never a clean bill of health on a file that could not be read."""
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    folder = Path(job.run_dir) / "trials" / "trial_0"
    (folder / "diagnostics.json").write_text("{not json")
    best = client.get(f"/jobs/{job.id}/best-model")
    assert best.status_code == 409 and "trial_0/diagnostics.json" in best.json()["detail"]


def test_the_served_architecture_is_build_views_own_json(client, settings):
    """The API serves the view's record as it is, keys in its order, and OpenAPI describes
    that record, not a copy of it."""
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    best = client.get(f"/jobs/{job.id}/best-model").json()
    summary = ArchitectureSummary.from_json(ARCHITECTURE.read_text())
    view = build_view(summary, 0.9, best["health_score"]).to_json()
    assert json.dumps(best["architecture"]) == json.dumps(view)
    served = client.get(best["architecture_url"])
    assert served.text == json.dumps(view, indent=2)
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for model in (ArchitectureView, CytoscapeNodeData):
        own = model.model_json_schema(mode="serialization")
        assert schemas[model.__name__]["properties"].keys() == own["properties"].keys()
        assert schemas[model.__name__]["required"] == own["required"]
