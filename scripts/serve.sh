#!/usr/bin/env bash
# `make serve`: the API on :8000 and the dashboard on :3000 together, for local use.
# Ctrl-C (or either one exiting) stops both.
#
# Environment: API_PORT (8000), UI_PORT (3000), HEALTHOPT_* for the server (see .env.example).
set -euo pipefail
cd "$(dirname "$0")/.."

API_PORT="${API_PORT:-8000}"
UI_PORT="${UI_PORT:-3000}"
BIN="${BIN:-.venv/bin}"
pids=()

stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do
    kill -INT "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

# The dashboard's origin must be allowed to call the API from the browser.
export HEALTHOPT_CORS_ORIGINS="${HEALTHOPT_CORS_ORIGINS:-http://localhost:${UI_PORT},http://127.0.0.1:${UI_PORT}}"
"$BIN/healthopt" serve --port "$API_PORT" &
pids+=($!)

cd web-ui
# Without HEALTHOPT_API_URL the browser calls the API on its own host, port 8000.
NEXT_TELEMETRY_DISABLED=1 node_modules/.bin/next start --port "$UI_PORT" &
pids+=($!)

echo "healthopt: API http://127.0.0.1:${API_PORT}  dashboard http://localhost:${UI_PORT}  (Ctrl-C stops both)"
wait -n
