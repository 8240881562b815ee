"""The total score Optuna maximises, and the health term a model only earns once it learned.

    skill  = clip((val_accuracy - chance) / (1 - chance), 0, 1)
    H      = sum_i w_i * health_i            (a component that could not be computed counts 0)
    health = skill * H
    total  = w_acc * val_accuracy + w_health * health

`chance` is the validation split's majority-class rate (`TrialMetrics.chance_accuracy`).

Why skill gates the whole term instead of each component being made relative to chance: of
the six components only `parameter_efficiency` reads accuracy at all. An inert model keeps
live units, flowing gradients and a steady (flat) loss, so `neuron_utilization`,
`gradient_health` and `training_stability` stay high whatever it learned; no per-component
correction can tell "steady because it converged" from "steady because it never moved".
The gate does, with one number from the data:
- trial 1 of the issue, val accuracy 0.067 on digits (chance 0.10) with components mixing to
  0.632, has skill 0 and so health 0; it no longer outranks trial 2 (0.103, 0.526);
- a model at chance scores `w_acc * chance`, and any model above chance scores more, whatever
  the weights (with `w_acc = 0`, at best a tie at 0);
- near the top of the accuracy range skill is close to 1, so between two good models the
  health term is what the components say.

A missing component counts as 0, never as a reason to share its weight out, so a trial whose
health could not be computed gets no advantage over one whose health was: accuracy 0.90 with
no health (total 0.63 under the 70/30 default) loses to accuracy 0.92 with health 0.8. The
breakdown's `rule` says which case applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthopt.config import ScoringWeights
from healthopt.records import HealthValues, Mode, ScoreParts, TrialRecord

ACCURACY_ONLY = "accuracy_only"  # health carries no weight (simple mode)
SKILL_GATED = "skill_gated"  # every weighted component was measured
SKILL_GATED_MISSING_AS_ZERO = "skill_gated_missing_as_zero"
NO_CHANCE_LEVEL = "no_chance_level_health_as_zero"  # a trial that did not record chance


@dataclass(frozen=True)
class ScoreBreakdown:
    total: float
    accuracy: float
    # The health term: skill x raw_health, in [0, 1]. Simple mode computes it too (weighted
    # by nothing), so every trial's health reads the same way whatever its run's mode.
    health: float | None
    raw_health: float | None  # the weighted components before the skill gate
    skill: float | None
    chance_accuracy: float | None
    component_weights_used: dict[str, float]
    missing_components: list[str]
    rule: str

    def parts(self) -> ScoreParts:
        """How the total was made, as results.json's trial `score` shows it."""
        return ScoreParts(
            health=self.health,
            component_weights_used=dict(self.component_weights_used),
            missing_components=list(self.missing_components),
            raw_health=self.raw_health,
            skill=self.skill,
            chance_accuracy=self.chance_accuracy,
            rule=self.rule,
            total=self.total,
        )


def skill(accuracy: float, chance: float) -> float:
    """How far `accuracy` got from chance towards 1, in [0, 1]; 0 at or below chance."""
    chance = min(max(chance, 0.0), 1.0 - 1e-9)
    return min(1.0, max(0.0, (accuracy - chance) / (1.0 - chance)))


def total_score(
    accuracy: float,
    health: HealthValues,
    weights: ScoringWeights,
    chance_accuracy: float | None,
) -> ScoreBreakdown:
    """The trial's total and how it was made (see the module docstring)."""
    weighted = {name: w for name, w in weights.health_components.items() if w > 0}
    values = health.measured()
    missing = sorted(name for name in weighted if name not in values)
    raw = sum(w * values.get(name, 0.0) for name, w in weighted.items())
    gate = None if chance_accuracy is None else skill(accuracy, chance_accuracy)
    if weights.health_weight == 0:
        rule = ACCURACY_ONLY
    elif gate is None:
        rule = NO_CHANCE_LEVEL
    else:
        rule = SKILL_GATED_MISSING_AS_ZERO if missing else SKILL_GATED
    term = raw * (gate or 0.0)
    total = weights.accuracy_weight * accuracy + weights.health_weight * term
    return ScoreBreakdown(
        total=float(total),
        accuracy=float(accuracy),
        health=float(term),
        raw_health=float(raw),
        skill=gate,
        chance_accuracy=chance_accuracy,
        component_weights_used=dict(weighted),
        missing_components=missing,
        rule=rule,
    )


def health_term(record: TrialRecord, weights: ScoringWeights) -> float | None:
    """The skill-gated health of a completed trial under `weights`' component mix; None for
    a trial without a val accuracy."""
    accuracy = record.metrics.val_accuracy
    if accuracy is None:
        return None
    mix = ScoringWeights(0.0, 1.0, dict(weights.health_components))
    return total_score(accuracy, record.health, mix, record.metrics.chance_accuracy).health


def component_mix(health: HealthValues) -> float | None:
    """The six components mixed by seed 002's default shares, before the skill gate (a
    missing one counts as 0, as in scoring); None when none was measured. Among trials that
    all learned this is what "healthier" means (`optimize.selection`, the study's
    trial-level test): the gate would mostly restate their accuracy."""
    if not health.measured():
        return None
    defaults = ScoringWeights.for_mode(Mode.HEALTH_AWARE)
    return total_score(0.0, health, defaults, None).raw_health


def composite_health(record: TrialRecord) -> float | None:
    """One health number for a trial record (results.json), in [0, 1]: the health term its
    score holds, else the term under seed 002's default component shares. None when it
    cannot be stated: no val accuracy, or a trial from before chance was recorded (its old,
    ungated health is not shown as if it were sound)."""
    if record.score is not None and record.score.rule is not None:
        return record.score.health
    if record.metrics.chance_accuracy is None:
        return None
    return health_term(record, ScoringWeights.for_mode(Mode.HEALTH_AWARE))
