#!/usr/bin/env bash
# Test 1 (local execution, the baseline): two trials on digits, trained on the server's own
# machine, then every artefact fetched over HTTP. Exit 0 only when the job completed and each
# download arrived non-empty and well-formed.
#
#   scripts/test_curl_local.sh
#   BASE_URL=http://host:8000 HEALTHOPT_API_TOKEN=... EPOCHS=2 TIMEOUT=600 OUT=/tmp/t1 \
#       scripts/test_curl_local.sh
# Environment variables are described in scripts/lib.sh.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ho_run_test "test 1: local execution" '{
  "dataset_name": "digits",
  "trials": 2,
  "use_runpod_service": false,
  "concurrent": false
}'
