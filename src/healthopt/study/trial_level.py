"""The trial-level test of seed 002's claim, on numbers only (no models, no TensorFlow).

The run-level comparison has one selected model per run; every run trains tens of models.
Across every trial that learned, does a health signal predict holdout accuracy *beyond*
validation accuracy? `study.modules.trial_level` gathers the trials (`TrialPoint`) and their
holdout accuracies; this module tests them:

- `partial_spearman`: the signal's rank correlation with holdout accuracy once val accuracy's
  ranks are partialled out, two-sided.
- `holm`: Holm's step-down correction over a stage's family of hypotheses.
- `run_stages`: every trial; then discovery and confirmation on disjoint runs (`split_seeds`).
- `simulate_selection`: per run, the healthiest trial within the accuracy margin of the best
  against the most accurate one, on the holdout.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as st

from healthopt.diagnostics.checks.chance import chance_limit
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.health.scoring import component_mix
from healthopt.records import HEALTH_COMPONENTS, TrialRecord
from healthopt.records.trial_level import (
    SelectionRow,
    SelectionSimulation,
    SignalTest,
    Stage,
    TrialLevelStage,
    TrialPoint,
)
from healthopt.study import stats

COMPOSITE = "composite_health"
DIAGNOSTICS = "diagnostics_score"
# The analyzer's per-trial summary figures (`records.AnalysisSummary` fields), then the size.
ANALYZER_SIGNALS = (
    "mean_alpha",
    "median_alpha",
    "mean_weight_health",
    "min_weight_health",
    "mean_effective_rank",
    "mean_stable_rank",
    "ece",
    "mean_confidence",
    "mean_entropy",
)
PARAMETERS = "num_parameters"
# Stated before any study was analysed with this module (issue 20): each signal's partial
# Spearman correlation with holdout accuracy given val accuracy is zero (two-sided).
HYPOTHESES: tuple[str, ...] = (
    *HEALTH_COMPONENTS,
    COMPOSITE,
    DIAGNOSTICS,
    *ANALYZER_SIGNALS,
    PARAMETERS,
)
MIN_TRIALS = 4  # a partial correlation with one covariate has n - 3 degrees of freedom
# Val accuracies this close count as equal (0.95 - 0.94 is 0.010000000000000009), as in
# `optimize.selection`.
_TOLERANCE = 1e-12


def signals_of(record: TrialRecord) -> dict[str, float | None]:
    """Every pre-stated signal of a trial record; None where it was not measured."""
    values: dict[str, float | None] = dict(record.health.by_name())
    # Before the skill gate: every trial here learned, and gated health would mostly
    # restate val accuracy, which the test already partials out.
    values[COMPOSITE] = component_mix(record.health)
    score = record.diagnostics.health_score
    values[DIAGNOSTICS] = None if score is None else float(score)
    for name in ANALYZER_SIGNALS:
        values[name] = getattr(record.analysis, name)
    # 0 is TrialRecord's default, "not counted"; the analyzer counts parameters too.
    count = record.num_parameters or record.analysis.parameters
    values[PARAMETERS] = float(count) if count else None
    return values


def learned(val_accuracy: float, chance: float, margin: float) -> bool:
    """Val accuracy clearly above chance: above the limit health pruning and `did_not_learn`
    use, `margin` of the way from chance to 1."""
    return val_accuracy > chance_limit(chance, DiagnosticThresholds(chance_margin=margin))


# -- partial rank correlation -----------------------------------------------------------------
@dataclass(frozen=True)
class PartialCorrelation:
    n: int
    rho: float | None
    statistic: float | None
    df: int | None
    p_value: float | None
    note: str = ""


def _residuals(values: np.ndarray, covariate: np.ndarray) -> np.ndarray:
    design = np.column_stack([np.ones(len(covariate)), covariate])
    coefficients, *_ = np.linalg.lstsq(design, values, rcond=None)
    residuals: np.ndarray = values - design @ coefficients
    return residuals


def partial_spearman(
    signal: Sequence[float], target: Sequence[float], control: Sequence[float]
) -> PartialCorrelation:
    """Spearman's partial correlation of `signal` with `target` controlling for `control`.

    Each variable is ranked (scipy.stats.rankdata, ties averaged); the signal's and the
    target's ranks are each regressed on the control's ranks, and the residuals correlated.
    The p-value is two-sided from Student's t with n - 3 degrees of freedom. Not
    scipy.stats.pearsonr on the residuals: it would use n - 2, as if the regression on the
    control had cost no degree of freedom, and so give p-values slightly too small. scipy
    has no partial correlation of its own.
    """
    x, y, z = (np.asarray(v, dtype=float) for v in (signal, target, control))
    n = len(x)
    if not len(y) == len(z) == n:
        raise ValueError(f"signal, target and control differ in length: {n}, {len(y)}, {len(z)}")
    if n < MIN_TRIALS:
        return PartialCorrelation(n, None, None, None, None, f"fewer than {MIN_TRIALS} trials")
    rz = st.rankdata(z)
    ex, ey = _residuals(st.rankdata(x), rz), _residuals(st.rankdata(y), rz)
    scale = float(n)  # ranks run to n: residuals below this much are rounding
    if np.allclose(ex, 0.0, atol=1e-9 * scale) or np.allclose(ey, 0.0, atol=1e-9 * scale):
        note = "nothing varies once val accuracy's ranks are accounted for; undefined"
        return PartialCorrelation(n, None, None, n - 3, None, note)
    rho = float(np.clip(np.corrcoef(ex, ey)[0, 1], -1.0, 1.0))
    df = n - 3
    if abs(rho) == 1.0:
        return PartialCorrelation(n, rho, None, df, 0.0, "perfect correlation")
    t = rho * math.sqrt(df / (1.0 - rho * rho))
    return PartialCorrelation(n, rho, t, df, float(2.0 * st.t.sf(abs(t), df)))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given.

    scipy.stats offers only false-discovery-rate control (false_discovery_control: Benjamini-
    Hochberg and -Yekutieli), not family-wise control, so Holm's few lines are written here:
    the k-th smallest of m p-values is multiplied by m - k + 1, capped at 1, and kept at least
    as large as the adjusted values before it.
    """
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for k, index in enumerate(np.argsort(p, kind="stable")):
        running = max(running, min(1.0, (m - k) * float(p[index])))
        adjusted[index] = running
    return [float(v) for v in adjusted]


def correlate_signals(
    points: Sequence[TrialPoint], signals: Sequence[str], alpha: float = stats.ALPHA
) -> list[SignalTest]:
    """Each signal's partial Spearman correlation over `points`, Holm-corrected over `signals`.

    A trial without the signal is left out of that signal's test only. A test that is
    undefined (too few trials, nothing varying) stays in the family as p = 1: the family is
    what was stated in advance, not what happened to be computable.
    """
    results = []
    for signal in signals:
        kept = [(v, p) for p in points if (v := p.signals.get(signal)) is not None]
        results.append(
            partial_spearman(
                [v for v, _ in kept],
                [p.holdout_accuracy for _, p in kept],
                [p.val_accuracy for _, p in kept],
            )
        )
    adjusted = holm([1.0 if r.p_value is None else r.p_value for r in results])
    return [
        SignalTest(
            signal=signal,
            n=r.n,
            rho=r.rho,
            statistic=r.statistic,
            df=r.df,
            p_value=r.p_value,
            holm_p=None if r.p_value is None else h,
            significant=r.p_value is not None and h < alpha,
            note=r.note,
        )
        for signal, r, h in zip(signals, results, adjusted, strict=True)
    ]


# -- discovery and confirmation -----------------------------------------------------------
def split_seeds(seeds: Sequence[int]) -> tuple[list[int], list[int]]:
    """(discovery, confirmation): the first half of the study's run seeds, rounded up, and
    the rest. Run i of every arm shares seed i, so a seed's runs, and the identical models
    that arms with one seed train, all fall in one stage. One seed: no confirmation."""
    ordered = sorted(set(seeds))
    half = math.ceil(len(ordered) / 2)
    return ordered[:half], ordered[half:]


def run_stages(
    points: Sequence[TrialPoint],
    seeds: Sequence[int],
    signals: Sequence[str] = HYPOTHESES,
    alpha: float = stats.ALPHA,
) -> list[TrialLevelStage]:
    """Every trial; discovery, which tests every signal on the first half of the seeds; and
    confirmation, which tests on the other runs only the signals discovery found (Holm over
    those alone)."""
    everything, discovery_seeds, confirmation_seeds = sorted(set(seeds)), *split_seeds(seeds)

    def stage(name: Stage, chosen: list[int], tested: Sequence[str], note: str) -> TrialLevelStage:
        used = [p for p in points if p.seed in set(chosen)]
        return TrialLevelStage(
            name=name,
            seeds=list(chosen),
            trials=len(used),
            possible=True,
            note=note,
            tests=correlate_signals(used, tested, alpha),
        )

    stages = [
        stage("all", everything, signals, "every trial that learned, in every run"),
        stage("discovery", discovery_seeds, signals, "every signal, on the first half of seeds"),
    ]
    if not confirmation_seeds:
        stages.append(
            TrialLevelStage(
                name="confirmation",
                seeds=[],
                trials=0,
                possible=False,
                note="not possible: the study has one run per arm, so no fresh seeds are left",
            )
        )
        return stages
    candidates = [t.signal for t in stages[1].significant()]
    note = (
        f"the {len(candidates)} signal(s) discovery found, on the other seeds"
        if candidates
        else "discovery found no signal to confirm"
    )
    stages.append(stage("confirmation", confirmation_seeds, candidates, note))
    return stages


# -- selection simulation ---------------------------------------------------------------------
def _choose(pool: Sequence[TrialPoint], margin: float) -> tuple[TrialPoint, TrialPoint, int] | None:
    """(healthiest, most accurate, candidates) among the trials within `margin` of the best
    val accuracy; None when none of them has a composite health. Ties go as
    `optimize.selection` breaks them: higher accuracy, then the earlier trial."""
    best = max(p.val_accuracy for p in pool)
    near = [p for p in pool if p.val_accuracy >= best - margin - _TOLERANCE]
    accurate = min(near, key=lambda p: (-p.val_accuracy, p.number))
    measured = [(h, p) for p in near if (h := p.signals.get(COMPOSITE)) is not None]
    if not measured:
        return None
    _, healthiest = min(measured, key=lambda hp: (-hp[0], -hp[1].val_accuracy, hp[1].number))
    return healthiest, accurate, len(near)


def simulate_selection(pools: Sequence[Sequence[TrialPoint]], margin: float) -> SelectionSimulation:
    """Per run (`pools`: each run's trials that learned): among trials within `margin` of
    the run's best val accuracy, the healthiest (composite health) against the most accurate,
    on the holdout. Two runs that compared the very same two models (arms sharing a seed
    train the same configurations first) count once. The mean difference (healthiest minus
    most accurate) has scipy's t-interval; the Wilcoxon signed-rank test drops runs where the
    two do not differ."""
    rows: list[SelectionRow] = []
    seen: set[tuple[str, str]] = set()
    repeated = without_health = 0
    for pool in pools:
        chosen = _choose(pool, margin) if pool else None
        if chosen is None:
            without_health += bool(pool)
            continue
        healthiest, accurate, candidates = chosen
        if (healthiest.source, accurate.source) in seen:
            repeated += 1
            continue
        seen.add((healthiest.source, accurate.source))
        rows.append(
            SelectionRow(
                run=healthiest.run,
                candidates=candidates,
                healthiest=healthiest.source,
                most_accurate=accurate.source,
                healthiest_holdout=healthiest.holdout_accuracy,
                most_accurate_holdout=accurate.holdout_accuracy,
                difference=healthiest.holdout_accuracy - accurate.holdout_accuracy,
            )
        )
    a = [r.most_accurate_holdout for r in rows]
    b = [r.healthiest_holdout for r in rows]
    test = replace(
        stats.wilcoxon_signed_rank(a, b), name="Wilcoxon signed-rank, healthiest vs most accurate"
    )
    differences = [r.difference for r in rows]
    same = sum(r.healthiest == r.most_accurate for r in rows)
    ties = sum(r.difference == 0 for r in rows) - same
    return SelectionSimulation(
        accuracy_margin=margin,
        runs=len(rows),
        repeated=repeated,
        without_health=without_health,
        same_trial=same,
        wins=sum(d > 0 for d in differences),
        ties=ties,
        losses=sum(d < 0 for d in differences),
        difference=stats.summarize(differences).record(),
        test=test.record(),
        rows=rows,
    )


def confirmed(stages: Sequence[TrialLevelStage]) -> list[tuple[SignalTest, SignalTest]]:
    """(discovery, confirmation) tests of each signal significant in both stages with the
    same sign: a significant correlation of the opposite sign contradicts, not confirms."""
    by_name = {s.name: s for s in stages}
    if "discovery" not in by_name or "confirmation" not in by_name:
        return []
    found = {t.signal: t for t in by_name["discovery"].significant()}
    return [
        (found[t.signal], t)
        for t in by_name["confirmation"].significant()
        if t.signal in found and (t.rho or 0.0) * (found[t.signal].rho or 0.0) > 0
    ]
