"""The OpenAPI document the dashboard's TypeScript client is generated from."""

from __future__ import annotations

import json
from pathlib import Path

from healthopt.api.openapi_export import render

COMMITTED = Path(__file__).parents[2] / "web-ui" / "openapi.json"


def test_the_committed_schema_is_the_servers():
    # On failure: cd web-ui && npm run generate:api, then commit both generated files.
    assert COMMITTED.read_text() == render()


def test_the_websocket_events_are_in_the_schema():
    schemas = json.loads(render())["components"]["schemas"]
    mapping = schemas["ProgressEvent"]["discriminator"]["mapping"]
    assert {"status", "epoch_end", "trial_finished", "job_finished"} <= set(mapping)
    assert all(ref.removeprefix("#/components/schemas/") in schemas for ref in mapping.values())
    assert "tensorboard_available" in schemas["Health"]["required"]
