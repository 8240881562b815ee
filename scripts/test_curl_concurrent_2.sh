#!/usr/bin/env bash
# Concurrent local execution: four trials on digits over two worker processes, then every
# artefact fetched. The server must allow two workers (HEALTHOPT_MAX_WORKERS_PER_JOB >= 2).
#
#   scripts/test_curl_concurrent_2.sh
# Environment variables are described in scripts/lib.sh.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ho_run_test "concurrent, 2 workers" '{
  "dataset_name": "digits",
  "trials": 4,
  "use_runpod_service": false,
  "concurrent": true,
  "concurrent_workers": 2
}'
