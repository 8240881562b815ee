#!/usr/bin/env bash
# Regenerates the API types from the server's OpenAPI schema; both outputs are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
"${PYTHON:-../.venv/bin/python}" -m healthopt.api.openapi_export > openapi.json
npx openapi-typescript openapi.json -o src/lib/api/schema.d.ts
