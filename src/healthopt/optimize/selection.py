"""Which completed trial a run chooses, by a rule stated in results.json (`Selection`).

- **simple**: the highest total score (= val accuracy); ties go to the earlier trial.
- **health-aware**: seed 002's claim is that among models of *similar* accuracy the healthier
  one is the better choice, so the choice is made in two steps. Trials within
  `accuracy_margin` of the best val accuracy count as equally accurate; of those, a trial that
  learned (skill above 0) comes before one that did not, and then the healthiest wins (then
  higher accuracy, then the earlier trial). Health here is the components' mix before the skill
  gate: within the margin skill hardly differs, and gating would hand the more accurate trial
  its lead back (0.95 with health 0.700 would beat 0.94 with 0.701). A weighted sum alone
  cannot promise the rule either: under 70/30 weights a 0.5-point accuracy lead outweighs a
  0.01 health lead. Outside the margin, trials rank by total score.
- **pareto**: the front is Optuna's (`study.best_trials`, from the stored objective values);
  its member is chosen by the user's weights (best total) when given, else the knee.

The ranking also orders results.json's `ranking`, the chosen trial first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from healthopt.config import OptimizationConfig
from healthopt.records import Mode, Selection, TrialRecord


def _accuracy(record: TrialRecord) -> float:
    return record.metrics.val_accuracy if record.metrics.val_accuracy is not None else -math.inf


def _health(record: TrialRecord) -> float:
    """The skill-gated health term the trial was scored with (none counts as 0)."""
    score = record.score
    return score.health if score is not None and score.health is not None else 0.0


def _soundness(record: TrialRecord) -> tuple[bool, float]:
    """Whether the trial learned, and its health before the skill gate (scores written
    before issue 20 have only their health term)."""
    score = record.score
    if score is None:
        return False, 0.0
    learned = score.skill is None or score.skill > 0
    raw = score.raw_health if score.raw_health is not None else score.health
    return learned, raw if raw is not None else 0.0


def _total(record: TrialRecord) -> float:
    return record.total_score if record.total_score is not None else -math.inf


def _by_total(records: Sequence[TrialRecord]) -> list[TrialRecord]:
    return sorted(records, key=lambda r: (-_total(r), r.number))


def _contender_order(record: TrialRecord) -> tuple[bool, float, float, int]:
    learned, raw_health = _soundness(record)
    return (not learned, -raw_health, -_accuracy(record), record.number)


def rank_health_aware(records: Sequence[TrialRecord], margin: float) -> list[TrialRecord]:
    """Completed trials, best first: the contenders within `margin` of the best val accuracy
    by health term, then the rest by total score."""
    if not records:
        return []
    best_accuracy = max(_accuracy(r) for r in records)
    # A hair of tolerance: 0.95 - 0.94 is 0.010000000000000009 in floating point.
    contenders = [r for r in records if _accuracy(r) >= best_accuracy - margin - 1e-12]
    contenders.sort(key=_contender_order)
    chosen = {r.number for r in contenders}
    return contenders + _by_total([r for r in records if r.number not in chosen])


def knee(front: Sequence[TrialRecord]) -> TrialRecord:
    """The front member closest to the ideal point once both objectives are scaled to the
    front's own range: the usual compromise choice when no weights are given. Neither Optuna
    nor scipy offers a knee rule, hence these few lines. On a front of one or two members the
    scaling puts them at (1, 0) and (0, 1); the tie goes to the more accurate."""

    def scaled(values: list[float]) -> list[float]:
        low, high = min(values), max(values)
        return [1.0 if high == low else (v - low) / (high - low) for v in values]

    accuracy = scaled([_accuracy(r) for r in front])
    health = scaled([_health(r) for r in front])
    distance = [math.hypot(1.0 - a, 1.0 - h) for a, h in zip(accuracy, health, strict=True)]
    return min(
        zip(front, distance, strict=True),
        key=lambda pair: (pair[1], -_accuracy(pair[0]), pair[0].number),
    )[0]


def select(
    records: Sequence[TrialRecord], config: OptimizationConfig, front: Sequence[int] | None
) -> tuple[Selection, list[int]]:
    """The run's choice and its ranking of the completed trials (chosen first). `front` holds
    the Pareto front's trial numbers (pareto mode)."""
    complete = [r for r in records if r.complete and r.metrics.val_accuracy is not None]
    if config.mode is Mode.SIMPLE:
        ranked = _by_total(complete)
        selection = Selection(
            rule="best_score", description="the highest val accuracy; ties go to the earlier trial"
        )
    elif config.mode is Mode.HEALTH_AWARE:
        ranked = rank_health_aware(complete, config.accuracy_margin)
        selection = Selection(
            rule="healthiest_within_margin",
            description=(
                f"the highest skill-gated health among trials within "
                f"{config.accuracy_margin * 100:g} points of the best val accuracy"
            ),
            accuracy_margin=config.accuracy_margin,
        )
    else:
        members = [r for r in complete if front is not None and r.number in front]
        ranked = _by_total(complete)
        if config.pareto_choice == "weights":
            selection = Selection(
                rule="pareto_weights",
                description="the front member with the highest total under the given weights",
            )
        else:
            selection = Selection(
                rule="pareto_knee",
                description=(
                    "the knee of the front: the member closest to the ideal point once val "
                    "accuracy and health are each scaled to the front's range"
                ),
            )
        if members:
            chosen = _by_total(members)[0] if config.pareto_choice == "weights" else knee(members)
            ranked = [chosen] + [r for r in ranked if r.number != chosen.number]
    order = [r.number for r in ranked]
    return selection.model_copy(update={"trial": order[0] if order else None}), order
