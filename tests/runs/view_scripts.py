"""Scripted trials whose views have known answers, shared by the tests of `runs.views`,
`runs.impact`, `runs.report`, `healthopt report` and `GET /runs/{run}/views`.

`driven`: validation accuracy rises with the log learning rate (whatever the optimizer, so the
derived `learning_rate` carries it) and neuron utilization falls with hidden dropout, so the
right answers are learning_rate for accuracy and hidden_dropout for health.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from healthopt.records import TrialSpec

from ..optimize.scripted import Outcome, complete, fail
from .made_runs import made_run

LOW_RATE, HIGH_RATE = 3e-4, 0.2  # the searched rates' union (models.search_space)


def learning_rate(params: dict[str, Any]) -> float:
    return float(next(v for k, v in params.items() if k.endswith("_learning_rate")))


def driven(spec: TrialSpec) -> Outcome:
    span = math.log(HIGH_RATE / LOW_RATE)
    accuracy = 0.2 + 0.75 * math.log(learning_rate(spec.params) / LOW_RATE) / span
    dropout = float(spec.params["hidden_dropout"])
    return complete(
        accuracy,
        neuron_utilization=1.0 - dropout,
        training_stability=0.8,
        gradient_health=0.9,
        convergence_quality=0.7,
        parameter_efficiency=0.6,
        accuracy_consistency=0.9,
    )


def driven_with_failures(spec: TrialSpec) -> Outcome:
    """`driven`, but trials 2 and 5 fail: the views skip them and keep the run's numbering."""
    if spec.trial_number in (2, 5):
        return fail("scripted failure")
    return driven(spec)


def driven_run(root: Path, name: str = "driven", trials: int = 20, **config: Any) -> Path:
    return made_run(root, name, driven, trials=trials, **config)
