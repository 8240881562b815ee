"""Why a trial stopped early, and what stopping early saved.

`HealthAlarm` is what a worker's live health check found at an epoch end; `PruneInfo` is the
orchestrator's decision to stop the trial there (by Optuna's pruner or by health);
`ComputeSummary` adds up the epochs a run used against those it budgeted.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from healthopt.records.base import Finite, Record

PRUNED = "PRUNED"
PrunedBy = Literal["pruner", "health"]


class HealthAlarm(Record):
    """An epoch showed that more training is pointless: the diagnostics check that found it
    (`nan_in_loss`, `loss_explosion`, `dead_neurons`, `vanishing_gradients`,
    `stuck_at_chance`) and its message."""

    check: str
    message: str
    epoch: int = Field(description="1-based epoch whose records raised the alarm")


class PruneInfo(Record):
    """A trial stopped before its last epoch, and why."""

    pruned_by: PrunedBy
    pruner: str | None = Field(None, description="Optuna's pruner, when pruned_by is pruner")
    check: str | None = Field(None, description="the health check, when pruned_by is health")
    epoch: int = Field(description="1-based epoch after which training stopped")
    reason: str


class ComputeSummary(Record):
    """Epochs a run used against those it budgeted, and what pruning saved.

    `energy_saved_kwh` is an estimate: the run's measured energy per epoch (from the energy
    module's per-trial estimate) times the epochs saved; None when no trial measured energy.
    """

    epochs_budgeted: int = 0
    epochs_run: int = 0
    epochs_saved: int = 0
    epochs_saved_by: dict[str, int] = Field(
        default_factory=dict, description="pruner name or 'health' -> epochs saved"
    )
    trials_pruned: int = 0
    energy_kwh_per_epoch: Finite = None
    energy_saved_kwh: Finite = None
    energy_note: str = (
        "estimated: mean measured energy per epoch of this run's trials x epochs saved"
    )
