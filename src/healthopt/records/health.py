"""The six health components: their names (one list for Python, API and dashboard) and values."""

from __future__ import annotations

from enum import StrEnum

from healthopt.records.base import Finite, Record


class HealthComponent(StrEnum):
    """A health component's name; the API schema carries them to the dashboard as an enum."""

    NEURON_UTILIZATION = "neuron_utilization"
    PARAMETER_EFFICIENCY = "parameter_efficiency"
    TRAINING_STABILITY = "training_stability"
    GRADIENT_HEALTH = "gradient_health"
    CONVERGENCE_QUALITY = "convergence_quality"
    ACCURACY_CONSISTENCY = "accuracy_consistency"


HEALTH_COMPONENTS: tuple[str, ...] = tuple(c.value for c in HealthComponent)


class HealthValues(Record):
    """Each component in [0, 1], or None where it could not be computed (the trial's
    `health_reasons` then says why)."""

    neuron_utilization: Finite = None
    parameter_efficiency: Finite = None
    training_stability: Finite = None
    gradient_health: Finite = None
    convergence_quality: Finite = None
    accuracy_consistency: Finite = None

    def by_name(self) -> dict[str, float | None]:
        """Component name -> value, in `HealthComponent` order."""
        return {name: getattr(self, name) for name in HEALTH_COMPONENTS}

    def measured(self) -> dict[str, float]:
        """Only the components that have a value."""
        return {name: v for name, v in self.by_name().items() if v is not None}
