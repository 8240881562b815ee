"""The API's OpenAPI document, plus the WebSocket's event types, for generated clients.

`python -m healthopt.api.openapi_export > web-ui/openapi.json` is what the dashboard's
`npm run generate:api` runs; a test keeps the committed file equal to this output.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from healthopt.api.schemas.progress import ProgressEvent, StudyProgressEvent


def openapi_document() -> dict[str, Any]:
    from healthopt.api.app import create_app
    from healthopt.api.settings import ServerSettings

    # A throwaway results folder: building the app opens its jobs database.
    with tempfile.TemporaryDirectory() as scratch:
        settings = ServerSettings(results_dir=Path(scratch), _env_file=None)
        app = create_app(settings)
        document = app.openapi()
        app.state.healthopt.store.close()
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in _event_schemas().items():
        if components.setdefault(name, definition) != definition:
            raise ValueError(f"two different schemas are both named {name!r}")
    return document


def _event_schemas() -> dict[str, Any]:
    """`ProgressEvent`, `StudyProgressEvent` and the schemas they refer to, written by
    FastAPI's own generator (as response bodies) so that a record both use is described the
    same way in both."""
    events = FastAPI()
    unions = {"ProgressEvent": ProgressEvent, "StudyProgressEvent": StudyProgressEvent}
    for name, union in unions.items():
        events.add_api_route(f"/{name}", _never_served, methods=["GET"], response_model=union)
    document = events.openapi()
    schemas = dict(document["components"]["schemas"])
    for name in unions:
        route = document["paths"][f"/{name}"]["get"]["responses"]["200"]
        schemas[name] = {
            key: value
            for key, value in route["content"]["application/json"]["schema"].items()
            if key != "title"  # FastAPI names it after the throwaway route
        }
    return schemas


def _never_served() -> None:  # only the routes' response schemas are read
    return None


def render() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
