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

from pydantic import TypeAdapter

from healthopt.api.schemas.progress import ProgressEvent

_REF_TEMPLATE = "#/components/schemas/{model}"


def openapi_document() -> dict[str, Any]:
    from healthopt.api.app import create_app
    from healthopt.api.settings import ServerSettings

    # A throwaway results folder: building the app opens its jobs database.
    with tempfile.TemporaryDirectory() as scratch:
        settings = ServerSettings(results_dir=Path(scratch), _env_file=None)
        app = create_app(settings)
        document = app.openapi()
        app.state.healthopt.store.close()
    schema = TypeAdapter(ProgressEvent).json_schema(ref_template=_REF_TEMPLATE)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(schema.pop("$defs", {}))
    components["ProgressEvent"] = schema
    return document


def render() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
