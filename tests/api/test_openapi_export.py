"""The OpenAPI document the dashboard's TypeScript client is generated from."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import get_args

import pytest

from healthopt.api.openapi_export import render
from healthopt.records import HEALTH_COMPONENTS, RunEvent

WEB_UI = Path(__file__).parents[2] / "web-ui"
COMMITTED = WEB_UI / "openapi.json"
SCHEMA_TYPES = WEB_UI / "src" / "lib" / "api" / "schema.d.ts"
OPENAPI_TYPESCRIPT = WEB_UI / "node_modules" / ".bin" / "openapi-typescript"
# On failure: cd web-ui && npm run generate:api, then commit both generated files.


def test_the_committed_schema_is_the_servers():
    assert COMMITTED.read_text() == render()


@pytest.mark.skipif(
    not OPENAPI_TYPESCRIPT.exists() or shutil.which("node") is None,
    reason="web-ui/node_modules is not installed (make web-ui/node_modules/.installed)",
)
def test_the_committed_typescript_types_are_generated_from_the_committed_schema(tmp_path):
    generated = tmp_path / "schema.d.ts"
    subprocess.run(
        [str(OPENAPI_TYPESCRIPT), "openapi.json", "-o", str(generated)],
        cwd=WEB_UI,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert SCHEMA_TYPES.read_text() == generated.read_text()


def _schemas() -> dict:
    return json.loads(render())["components"]["schemas"]


def test_the_websocket_events_are_in_the_schema():
    schemas = _schemas()
    mapping = schemas["ProgressEvent"]["discriminator"]["mapping"]
    run_events = {cls.model_fields["kind"].default for cls in get_args(get_args(RunEvent)[0])}
    # Every event a run emits (records.progress), and the server's own about the job.
    assert run_events | {"status", "job_status", "job_finished"} == set(mapping)
    assert all(ref.removeprefix("#/components/schemas/") in schemas for ref in mapping.values())
    assert "tensorboard_available" in schemas["Health"]["required"]


def test_trials_and_the_best_model_are_described_by_the_records():
    schemas = _schemas()

    def ref(model: str, field: str) -> str:
        prop = schemas[model]["properties"][field]
        return prop.get("$ref") or next(a["$ref"] for a in prop["anyOf"] if "$ref" in a)

    for model in ("TrialSummary", "BestModel"):
        assert ref(model, "metrics").endswith("/TrialMetrics")
        assert ref(model, "health").endswith("/HealthValues")
    assert ref("TrialSummary", "diagnostics").endswith("/DiagnosticsSummary")
    assert ref("TrialSummary", "analysis").endswith("/AnalysisSummary")
    assert ref("BestModel", "architecture").endswith("/ArchitectureView")
    assert schemas["HealthComponent"]["enum"] == list(HEALTH_COMPONENTS)
    assert schemas["Mode"]["enum"] == ["simple", "health-aware", "pareto"]
