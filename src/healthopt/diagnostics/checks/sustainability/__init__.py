"""Sustainability checks (seed 004 section 6): compute, energy and parameters training wasted.

One module per question, read in this order:

- `stop`: when training could have stopped (`optimal_stop_epoch` and the checks that agree
  with it: diminishing returns, early stop, wasted carbon);
- `device`: whether a GPU sat idle;
- `shares`: whether a layer's parameters and compute are out of proportion;
- `layers`: whether a layer is dead, frozen, collapsed, redundant or gets no gradient;
- `carbon`: what training emitted, from the records' own figures and `method`, never
  estimated here;
- `summary`: `sustainability_summary`, the same findings gathered for the engine's report.

`CHECKS` is what the engine runs, in this order. The check functions, `optimal_stop_epoch` and
`sustainability_summary` are re-exported so `from ...checks.sustainability import x` keeps
working.
"""

from __future__ import annotations

from healthopt.diagnostics.checks.sustainability.carbon import check_high_carbon_intensity
from healthopt.diagnostics.checks.sustainability.device import check_device_underutilization
from healthopt.diagnostics.checks.sustainability.layers import (
    check_activation_collapse,
    check_dead_neurons,
    check_frozen_output,
    check_redundant_layers,
    check_vanishing_gradients,
)
from healthopt.diagnostics.checks.sustainability.shares import (
    check_compute_inefficient_layer,
    check_over_parameterized_layer,
)
from healthopt.diagnostics.checks.sustainability.stop import (
    check_diminishing_returns,
    check_early_stop_opportunity,
    check_wasted_carbon,
    optimal_stop_epoch,
)
from healthopt.diagnostics.checks.sustainability.summary import sustainability_summary

CHECKS = [
    check_diminishing_returns,
    check_early_stop_opportunity,
    check_device_underutilization,
    check_over_parameterized_layer,
    check_compute_inefficient_layer,
    check_dead_neurons,
    check_vanishing_gradients,
    check_frozen_output,
    check_activation_collapse,
    check_redundant_layers,
    check_high_carbon_intensity,
    check_wasted_carbon,
]

__all__ = [
    "CHECKS",
    "check_activation_collapse",
    "check_compute_inefficient_layer",
    "check_dead_neurons",
    "check_device_underutilization",
    "check_diminishing_returns",
    "check_early_stop_opportunity",
    "check_frozen_output",
    "check_high_carbon_intensity",
    "check_over_parameterized_layer",
    "check_redundant_layers",
    "check_vanishing_gradients",
    "check_wasted_carbon",
    "optimal_stop_epoch",
    "sustainability_summary",
]
