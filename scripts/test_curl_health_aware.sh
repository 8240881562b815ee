#!/usr/bin/env bash
# Health-aware scoring: accuracy 0.6, health 0.4, with component weights of our own (summing to
# 1) instead of the defaults; two local trials on digits, then every artefact fetched.
#
#   scripts/test_curl_health_aware.sh
# Environment variables are described in scripts/lib.sh.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ho_run_test "health-aware scoring" '{
  "dataset_name": "digits",
  "trials": 2,
  "mode": "health_aware",
  "accuracy_weight": 0.6,
  "health_weight": 0.4,
  "health_component_weights": {
    "neuron_utilization": 0.30,
    "parameter_efficiency": 0.10,
    "training_stability": 0.20,
    "gradient_health": 0.20,
    "convergence_quality": 0.10,
    "accuracy_consistency": 0.10
  },
  "use_runpod_service": false,
  "concurrent": false
}'
