"""Recommendations for a run's next search, each backed by a test from `scipy.stats` (seed 003 §4).

`recommend(run, results, past)` reads the run's trials (results.json) and the chosen trial's
files (history.json, observer.json) and judges five topics. A topic whose data is too thin, or
whose test finds no significant signal (p >= 0.05), gives an `InsufficientData` entry with
the reason, never a recommendation: a run without signal gets none.

- learning_rate: Spearman's rank correlation of log10 learning rate with val accuracy over
  the complete trials (at least `MIN_TRIALS`). Each optimizer has its own rate parameter
  (`adam_learning_rate`, `sgd_learning_rate`, ...): they are pooled, and the rationale says
  so, because a trial has exactly one. Suggests the rates of the top quarter by val accuracy.
- overfitting: a one-sample t-test (one-sided, "greater") of the chosen trial's per-epoch
  train-minus-validation accuracy gap (val-minus-train loss when accuracy was not recorded),
  its 95 % interval and Cohen's d. A recommendation needs p < 0.05 and a mean gap of at
  least `MIN_ACCURACY_GAP` (`MIN_LOSS_GAP` for loss): a significant but tiny gap is not worth
  more regularization. Suggests higher dropout.
- batch_size: Spearman of batch size with seconds per epoch (fit_seconds / epochs_run) over
  the complete trials; the peak process memory (observer.json `memory.process_rss_mb`) where
  recorded. Suggests the fastest batch size.
- convergence: `linregress` over the last half of the chosen trial's val accuracy curve
  (at least `MIN_CURVE_POINTS` points); a slope > 0 (one-sided p < 0.05) means it was still
  learning: train longer, with the gain over as many more epochs as the window spans,
  capped at accuracy 1.0.
- historical: past runs on the same dataset (`runs.history`): a setting over-represented
  among their best trials (Benjamini-Hochberg adjusted p < 0.05).

Confidence comes from the p-value the topic rests on: high below 0.01, medium below 0.05
(the adjusted one for historical patterns). No topic gives "low": a weaker finding is no
finding.

Priority comes from the expected gain or risk, in accuracy (0.05 is 5 points):
- high: expected gain (or, for overfitting, the mean gap) of at least `HIGH_GAIN`;
- medium: at least `MEDIUM_GAIN`;
- low: less, or not an accuracy matter at all. The expected gain is, for learning_rate, the
  median val accuracy of the trials whose rate lies in the suggested range minus the others';
  for historical, the same for the trials with the suggested value; for convergence, the
  extrapolated gain; for overfitting, the mean gap (loss gaps: `HIGH_LOSS_GAP`, else medium).
  batch_size saves time, not accuracy: medium when the suggested size is at least
  `MEDIUM_TIME_SAVING` faster per epoch than the current, else low.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats

from healthopt.jsonio import JSONFileError, read_json
from healthopt.optimize.assembly import trial_dir
from healthopt.records import RunResults, TrialRecord, finite_or_none
from healthopt.records.recommendations import (
    BATCH_SIZE,
    CONVERGENCE,
    HISTORICAL,
    LEARNING_RATE,
    OVERFITTING,
    TOPICS,
    Evidence,
    InsufficientData,
    Level,
    Recommendation,
    RecommendationReport,
)
from healthopt.runs.history import (
    MIN_POOLED_TRIALS,
    PastRuns,
    SettingPattern,
    number,
    past_runs,
    setting_patterns,
)
from healthopt.runs.index import RunFolder

ALPHA = 0.05
HIGH_CONFIDENCE_P = 0.01
MIN_TRIALS = 8  # complete trials a cross-trial correlation needs
MIN_EPOCHS = 3  # epochs the overfitting t-test needs
MIN_CURVE_POINTS = 3  # points of the curve's last half linregress needs
MIN_ACCURACY_GAP = 0.02  # a train/val accuracy gap below 2 points is not worth acting on
MIN_LOSS_GAP = 0.05
HIGH_LOSS_GAP = 0.2
HIGH_GAIN = 0.05
MEDIUM_GAIN = 0.01
MEDIUM_TIME_SAVING = 0.25
DROPOUT_STEP = 0.1
MAX_DROPOUT = 0.5  # the search space's highest dropout; more starves the layers after it
LEARNING_RATE_SUFFIX = "_learning_rate"
HISTORY_FILE = "history.json"
OBSERVER_FILE = "observer.json"
ACCURACY = "accuracy gain"

Finding = Recommendation | InsufficientData


def recommend(
    run: RunFolder,
    results: RunResults,
    past: list[RunResults],
    *,
    past_names: Sequence[str] = (),
    skipped: Sequence[str] = (),
) -> RecommendationReport:
    """Every topic for the run `results` came from; `past` are earlier runs on its dataset
    (`past_names` names them, `skipped` says which folders could not be read)."""
    chosen = _chosen(results)
    curves, curve_problem = _history(run, chosen)
    findings: list[Finding] = [
        learning_rate(results, chosen),
        overfitting(chosen, curves, curve_problem),
        batch_size(run, results, chosen),
        convergence(chosen, curves, curve_problem),
        historical(past, chosen, skipped),
    ]
    notes = [f"skipped past run {reason}" for reason in skipped]
    return RecommendationReport(
        run=run.name,
        recommendations=[f for f in findings if isinstance(f, Recommendation)],
        insufficient=[f for f in findings if isinstance(f, InsufficientData)],
        past_runs=list(past_names),
        notes=notes,
    )


def recommend_run(run: RunFolder, results: RunResults) -> RecommendationReport:
    """`recommend` with the past runs read from the run's own results folder."""
    past: PastRuns = past_runs(run, results.dataset)
    return recommend(run, results, list(past.runs), past_names=past.names, skipped=past.skipped)


def no_results_report(run: RunFolder) -> RecommendationReport:
    """The report of a run that has not finished a trial yet: every topic insufficient."""
    reason = "the run has no results.json yet: no trial has finished"
    return RecommendationReport(
        run=run.name,
        insufficient=[InsufficientData(topic=topic, reason=reason) for topic in TOPICS],
    )


# -- shared pieces ---------------------------------------------------------------------------
def confidence(p_value: float) -> Level | None:
    """high below 0.01, medium below 0.05, None (no finding) otherwise."""
    if p_value < HIGH_CONFIDENCE_P:
        return "high"
    if p_value < ALPHA:
        return "medium"
    return None


def gain_priority(gain: float | None) -> Level:
    if gain is not None and gain >= HIGH_GAIN:
        return "high"
    if gain is not None and gain >= MEDIUM_GAIN:
        return "medium"
    return "low"


def _chosen(results: RunResults) -> TrialRecord | None:
    number = results.best_trial
    if number is None and results.selection is not None:
        number = results.selection.trial
    if number is None:
        return None
    return next((t for t in results.trials if t.number == number), None)


def _complete(results: RunResults) -> list[TrialRecord]:
    return [t for t in results.trials if t.complete and t.metrics.val_accuracy is not None]


def _top_quarter(trials: Sequence[TrialRecord]) -> list[TrialRecord]:
    count = max(1, math.ceil(len(trials) / 4))
    return sorted(trials, key=lambda t: (-(t.metrics.val_accuracy or 0.0), t.number))[:count]


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _no_signal(topic: str, test: str, statistic: float, p_value: float, n: int) -> InsufficientData:
    return InsufficientData(
        topic=topic,
        reason=f"no significant signal: {test} = {statistic:.3f}, p = {p_value:.3g} "
        f"(n = {n}; a recommendation needs p < {ALPHA})",
    )


def _spearman(x: Sequence[float], y: Sequence[float]) -> tuple[Any, Any]:
    """Spearman's rho and p (`spearmanr`) and its 95 % interval. scipy gives Spearman no
    interval: it is Pearson's on the ranks, whose `confidence_interval()` is the Fisher-z
    interval, the usual approximation for Spearman's rho."""
    result = stats.spearmanr(x, y)
    interval = stats.pearsonr(stats.rankdata(x), stats.rankdata(y)).confidence_interval(0.95)
    return result, interval


def _spearman_evidence(what: str, rho: float, p_value: float, interval: Any, n: int) -> Evidence:
    """The evidence of a Spearman correlation: rho as the effect, its interval from `_spearman`."""
    return Evidence(
        test=f"scipy.stats.spearmanr (two-sided), {what}",
        statistic=rho,
        p_value=p_value,
        effect_size=rho,
        effect_name="Spearman rho",
        ci_low=float(interval.low),
        ci_high=float(interval.high),
        ci_name="95% CI of rho (Pearson on ranks, Fisher z)",
        n=n,
    )


# -- the chosen trial's files ---------------------------------------------------------------
def _history(
    run: RunFolder, chosen: TrialRecord | None
) -> tuple[dict[str, list[float | None]], str | None]:
    """The chosen trial's history.json (metric -> per-epoch values), or why there is none."""
    if chosen is None:
        return {}, "the run has no chosen (best) trial"
    path = trial_dir(run.path, chosen.number) / HISTORY_FILE
    name = f"trials/trial_{chosen.number}/{HISTORY_FILE}"
    if not path.is_file():
        return {}, f"the chosen trial {chosen.number} has no {name}"
    try:
        data = read_json(path)
    except JSONFileError as exc:
        return {}, f"{name} is unreadable: {exc}"
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        return {}, f"{name} is not a Keras history (metric -> list of per-epoch values)"
    return {str(k): [finite_or_none(x) for x in v] for k, v in data.items()}, None


def _paired(a: list[float | None], b: list[float | None]) -> list[float]:
    """a - b for the epochs where both were recorded."""
    return [x - y for x, y in zip(a, b, strict=False) if x is not None and y is not None]


# -- learning rate ---------------------------------------------------------------------------
def _learning_rate_param(trial: TrialRecord) -> tuple[str, float] | None:
    for name, value in trial.params.items():
        if name.endswith(LEARNING_RATE_SUFFIX) and isinstance(value, (int, float)) and value > 0:
            return name, float(value)
    return None


def learning_rate(results: RunResults, chosen: TrialRecord | None) -> Finding:
    """Does the learning rate drive val accuracy? Spearman over log10(rate), pooled."""
    rates: dict[int, tuple[str, float]] = {}
    for t in _complete(results):
        found = _learning_rate_param(t)
        if found is not None:
            rates[t.number] = found
    trials = [t for t in _complete(results) if t.number in rates]
    if len(trials) < MIN_TRIALS:
        return InsufficientData(
            topic=LEARNING_RATE,
            reason=f"{len(trials)} complete trials with a learning rate; the rank "
            f"correlation needs at least {MIN_TRIALS}",
        )
    logs = [math.log10(rates[t.number][1]) for t in trials]
    accuracy = [t.metrics.val_accuracy or 0.0 for t in trials]
    if len(set(logs)) < 2:
        return InsufficientData(topic=LEARNING_RATE, reason="every trial used the same rate")
    if len(set(accuracy)) < 2:
        return InsufficientData(
            topic=LEARNING_RATE, reason="every trial scored the same val accuracy"
        )
    result, interval = _spearman(logs, accuracy)
    rho, p_value = float(result.statistic), float(result.pvalue)
    level = confidence(p_value)
    if level is None:
        return _no_signal(LEARNING_RATE, "Spearman rho", rho, p_value, len(trials))
    best = _top_quarter(trials)
    ranges: dict[str, list[float]] = {}
    for t in best:
        name, value = rates[t.number]
        ranges.setdefault(name, []).append(value)
    suggested = "; ".join(
        f"{name} {_fmt(min(v))} to {_fmt(max(v))}" for name, v in sorted(ranges.items())
    )

    def in_range(t: TrialRecord) -> bool:
        name, value = rates[t.number]
        return name in ranges and min(ranges[name]) <= value <= max(ranges[name])

    inside = [t.metrics.val_accuracy or 0.0 for t in trials if in_range(t)]
    outside = [t.metrics.val_accuracy or 0.0 for t in trials if not in_range(t)]
    gain = statistics.median(inside) - statistics.median(outside) if outside else None
    current = _learning_rate_param(chosen) if chosen is not None else None
    optimizers = sorted({rates[t.number][0] for t in trials})
    direction = "higher" if rho > 0 else "lower"
    return Recommendation(
        topic=LEARNING_RATE,
        title=f"Val accuracy rises with a {direction} learning rate",
        current=f"{current[0]}={_fmt(current[1])}" if current else None,
        suggested=f"search {suggested} (the top quarter's rates)",
        confidence=level,
        priority=gain_priority(gain),
        rationale=f"Spearman rho = {rho:.2f} (p = {p_value:.2g}) between log10 learning rate "
        f"and val accuracy over {len(trials)} complete trials. The rates of "
        f"{', '.join(optimizers)} are pooled (each optimizer has its own parameter; a trial "
        "has one), so part of the correlation may be the optimizer's. The best quarter of "
        f"trials ({len(best)}) used the suggested rates"
        + (
            f"; trials in that range beat the others by {gain:.3f} median val accuracy."
            if gain is not None
            else "."
        ),
        evidence=_spearman_evidence(
            "log10 learning rate vs val accuracy", rho, p_value, interval, len(trials)
        ),
        expected_gain=gain,
        expected_gain_unit=ACCURACY if gain is not None else None,
    )


# -- overfitting -----------------------------------------------------------------------------
def overfitting(
    chosen: TrialRecord | None, curves: dict[str, list[float | None]], problem: str | None
) -> Finding:
    """Is the chosen trial's train/val gap significantly above zero across its epochs?"""
    if problem is not None:
        return InsufficientData(topic=OVERFITTING, reason=problem)
    assert chosen is not None
    if "accuracy" in curves and "val_accuracy" in curves:
        gaps, measure, minimum = (
            _paired(curves["accuracy"], curves["val_accuracy"]),
            "train - val accuracy",
            MIN_ACCURACY_GAP,
        )
    elif "loss" in curves and "val_loss" in curves:
        gaps, measure, minimum = (
            _paired(curves["val_loss"], curves["loss"]),
            "val - train loss",
            MIN_LOSS_GAP,
        )
    else:
        return InsufficientData(
            topic=OVERFITTING,
            reason=f"trial {chosen.number}'s history has neither accuracy and val_accuracy "
            "nor loss and val_loss",
        )
    if len(gaps) < MIN_EPOCHS:
        return InsufficientData(
            topic=OVERFITTING,
            reason=f"trial {chosen.number} has {len(gaps)} epochs with both figures; the "
            f"t-test needs at least {MIN_EPOCHS}",
        )
    mean = statistics.fmean(gaps)
    sd = statistics.stdev(gaps)
    if sd == 0:  # every gap equal: a t-test of a zero-variance sample is undefined
        return InsufficientData(
            topic=OVERFITTING,
            reason=f"the {measure} gap is the same ({mean:.3f}) at every epoch: no variance "
            "to test",
        )
    result = stats.ttest_1samp(gaps, 0.0, alternative="greater")
    p_value = float(result.pvalue)
    level = confidence(p_value)
    if level is None:
        return _no_signal(OVERFITTING, "t", float(result.statistic), p_value, len(gaps))
    if mean < minimum:
        return InsufficientData(
            topic=OVERFITTING,
            reason=f"the {measure} gap is significant (p = {p_value:.2g}) but small: mean "
            f"{mean:.3f}, below the {minimum} worth acting on",
        )
    # The one-sided test answers "is there a gap"; the two-sided interval says how large.
    interval = stats.ttest_1samp(gaps, 0.0).confidence_interval(0.95)
    cohen_d = mean / sd
    dropouts = {
        k: v
        for k, v in ((k, number(v)) for k, v in chosen.params.items() if "dropout" in k)
        if v is not None
    }
    current = ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(dropouts.items()))
    raised = {k: min(v + DROPOUT_STEP, MAX_DROPOUT) for k, v in dropouts.items() if v < MAX_DROPOUT}
    if raised:
        suggested = ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(raised.items()))
    elif dropouts:
        suggested = "dropout is at its maximum: add weight decay or data augmentation"
    else:
        suggested = "add dropout or weight decay"
    if measure.endswith("accuracy"):
        priority = gain_priority(mean)
    else:
        priority = "high" if mean >= HIGH_LOSS_GAP else "medium"
    return Recommendation(
        topic=OVERFITTING,
        title="The chosen trial overfits: more regularization",
        current=current or "no dropout parameter",
        suggested=suggested,
        confidence=level,
        priority=priority,
        rationale=f"Over trial {chosen.number}'s {len(gaps)} epochs the {measure} gap "
        f"averages {mean:.3f} (95% CI {interval.low:.3f} to {interval.high:.3f}), "
        f"significantly above 0 (one-sided t-test, p = {p_value:.2g}) and above the "
        f"{minimum} worth acting on.",
        evidence=Evidence(
            test=f"scipy.stats.ttest_1samp (alternative='greater'), {measure} per epoch vs 0",
            statistic=float(result.statistic),
            p_value=p_value,
            effect_size=cohen_d,
            effect_name="Cohen's d (mean gap / SD)",
            ci_low=float(interval.low),
            ci_high=float(interval.high),
            ci_name=f"95% CI of the mean {measure} gap (two-sided t)",
            n=len(gaps),
        ),
        expected_gain=mean,
        expected_gain_unit=f"mean {measure} gap (risk)",
    )


# -- batch size ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Timed:
    trial: TrialRecord
    batch: int
    seconds_per_epoch: float


def _peak_memory(run: RunFolder, number: int) -> float | None:
    """The highest `memory.process_rss_mb` in the trial's observer.json, if it recorded one.
    Only that figure is read, so the layer records are not validated for nothing."""
    path = trial_dir(run.path, number) / OBSERVER_FILE
    if not path.is_file():
        return None
    try:
        data = read_json(path)
    except JSONFileError:
        return None
    if not isinstance(data, list):
        return None
    figures = [
        finite_or_none((e.get("memory") or {}).get("process_rss_mb"))
        for e in data
        if isinstance(e, dict) and isinstance(e.get("memory") or {}, dict)
    ]
    found = [f for f in figures if f is not None]
    return max(found) if found else None


def batch_size(run: RunFolder, results: RunResults, chosen: TrialRecord | None) -> Finding:
    """Does the batch size change the seconds per epoch (and the memory)?"""
    timed = []
    for t in _complete(results):
        batch = t.params.get("batch_size")
        fit = finite_or_none(t.timings.get("fit_seconds"))
        if isinstance(batch, int) and not isinstance(batch, bool) and fit and t.epochs_run > 0:
            timed.append(_Timed(t, batch, fit / t.epochs_run))
    if len(timed) < MIN_TRIALS:
        return InsufficientData(
            topic=BATCH_SIZE,
            reason=f"{len(timed)} complete trials with a batch_size and a recorded fit time "
            f"(timings.fit_seconds); the rank correlation needs at least {MIN_TRIALS}",
        )
    sizes = sorted({t.batch for t in timed})
    if len(sizes) < 2:
        return InsufficientData(topic=BATCH_SIZE, reason=f"every trial used batch size {sizes[0]}")
    batches = [float(t.batch) for t in timed]
    seconds = [t.seconds_per_epoch for t in timed]
    result, interval = _spearman(batches, seconds)
    rho, p_value = float(result.statistic), float(result.pvalue)
    level = confidence(p_value)
    if level is None:
        return _no_signal(
            BATCH_SIZE, "Spearman rho (batch size vs s/epoch)", rho, p_value, len(timed)
        )
    medians = {
        size: statistics.median(t.seconds_per_epoch for t in timed if t.batch == size)
        for size in sizes
    }
    fastest = min(sizes, key=lambda size: (medians[size], size))
    current = chosen.params.get("batch_size") if chosen is not None else None
    saving = (
        1.0 - medians[fastest] / medians[current]
        if isinstance(current, int) and medians.get(current)
        else None
    )
    priority: Level = "medium" if saving is not None and saving >= MEDIUM_TIME_SAVING else "low"
    notes = [
        f"Spearman rho = {rho:.2f} (p = {p_value:.2g}) between batch size and seconds per "
        f"epoch over {len(timed)} complete trials; median s/epoch by size: "
        + ", ".join(f"{size}: {medians[size]:.3g}" for size in sizes)
        + "."
    ]
    accuracy = stats.spearmanr(batches, [t.trial.metrics.val_accuracy or 0.0 for t in timed])
    if float(accuracy.pvalue) < ALPHA and (float(accuracy.statistic) > 0) != (fastest == sizes[-1]):
        priority = "low"  # faster, but at a cost in accuracy: the user weighs it
        notes.append(
            f"Val accuracy moves the other way (Spearman rho = {float(accuracy.statistic):.2f}, "
            f"p = {float(accuracy.pvalue):.2g}): the faster size costs accuracy."
        )
    memory = {t.trial.number: _peak_memory(run, t.trial.number) for t in timed}
    measured = [(t.batch, memory[t.trial.number]) for t in timed if memory[t.trial.number]]
    if len(measured) >= MIN_TRIALS and len({b for b, _ in measured}) > 1:
        mem = stats.spearmanr([b for b, _ in measured], [m for _, m in measured])
        notes.append(
            f"Peak process memory (observer.json memory.process_rss_mb) vs batch size: "
            f"Spearman rho = {float(mem.statistic):.2f}, p = {float(mem.pvalue):.2g} "
            f"(n = {len(measured)}). The trials record the process's memory, not the "
            "free memory, so the headroom itself is unknown."
        )
    else:
        notes.append(
            "No memory figure was recorded for enough trials (observer.json "
            "memory.process_rss_mb): the suggestion rests on epoch time only, and the "
            "memory headroom of a larger batch is unknown."
        )
    return Recommendation(
        topic=BATCH_SIZE,
        title=f"Batch size {fastest} trains fastest per epoch",
        current=f"batch_size={current}" if current is not None else None,
        suggested=f"batch_size={fastest}",
        confidence=level,
        priority=priority,
        rationale=" ".join(notes),
        evidence=_spearman_evidence(
            "batch size vs seconds per epoch", rho, p_value, interval, len(timed)
        ),
        expected_gain=saving,
        expected_gain_unit="fraction of epoch time saved" if saving is not None else None,
    )


# -- convergence -----------------------------------------------------------------------------
def convergence(
    chosen: TrialRecord | None, curves: dict[str, list[float | None]], problem: str | None
) -> Finding:
    """Was the chosen trial's val accuracy still rising over the last half of its epochs?"""
    if problem is not None:
        return InsufficientData(topic=CONVERGENCE, reason=problem)
    assert chosen is not None
    curve = curves.get("val_accuracy")
    if curve is None:
        return InsufficientData(
            topic=CONVERGENCE, reason=f"trial {chosen.number}'s history has no val_accuracy"
        )
    half = len(curve) // 2
    points = [
        (epoch, v) for epoch, v in enumerate(curve, start=1) if epoch > half and v is not None
    ]
    if len(points) < MIN_CURVE_POINTS:
        return InsufficientData(
            topic=CONVERGENCE,
            reason=f"trial {chosen.number}'s last half has {len(points)} epochs with a val "
            f"accuracy; the slope needs at least {MIN_CURVE_POINTS} (train at least "
            f"{2 * MIN_CURVE_POINTS} epochs)",
        )
    epochs = [float(e) for e, _ in points]
    values = [v for _, v in points]
    if len(set(values)) < 2:
        return InsufficientData(
            topic=CONVERGENCE, reason="val accuracy is flat over the last half: converged"
        )
    fit = stats.linregress(epochs, values, alternative="greater")
    p_value = float(fit.pvalue)
    level = confidence(p_value) if fit.slope > 0 else None
    if level is None:
        return _no_signal(CONVERGENCE, "slope per epoch", float(fit.slope), p_value, len(points))
    # Extrapolate no further than the window the slope was fitted on.
    extra = len(points)
    quantile = float(stats.t.ppf(0.975, len(points) - 2))
    headroom = 1.0 - values[-1]
    gain = min(fit.slope * extra, headroom)
    low = min((fit.slope - quantile * fit.stderr) * extra, headroom)
    high = min((fit.slope + quantile * fit.stderr) * extra, headroom)
    ran = chosen.epochs_run or len(curve)
    return Recommendation(
        topic=CONVERGENCE,
        title="Still improving: train longer",
        current=f"{ran} epochs",
        suggested=f"{ran + extra} epochs",
        confidence=level,
        priority=gain_priority(gain),
        rationale=f"Over trial {chosen.number}'s last {len(points)} epochs val accuracy rose "
        f"{fit.slope:.4f} per epoch (one-sided p = {p_value:.2g}). Linearly extrapolated, "
        f"{extra} more epochs gain {gain:.3f} (95% CI {low:.3f} to {high:.3f}, capped at "
        "accuracy 1.0); a curve that bends flatter gains less.",
        evidence=Evidence(
            test="scipy.stats.linregress (alternative='greater'), val accuracy vs epoch over "
            "the last half",
            statistic=float(fit.slope),
            p_value=p_value,
            effect_size=gain,
            effect_name=f"extrapolated val accuracy gain over {extra} more epochs",
            ci_low=low,
            ci_high=high,
            ci_name="95% CI of the extrapolated gain (slope +- t(0.975, n-2) * stderr)",
            n=len(points),
        ),
        expected_gain=gain,
        expected_gain_unit=ACCURACY,
    )


# -- historical ------------------------------------------------------------------------------
def historical(
    past: Sequence[RunResults], chosen: TrialRecord | None, skipped: Sequence[str] = ()
) -> Finding:
    """The setting most significantly over-represented among past runs' best trials."""
    skip_note = f" ({len(skipped)} unreadable run folders skipped)" if skipped else ""
    if not past:
        return InsufficientData(
            topic=HISTORICAL,
            reason=f"no past run on this dataset in the results folder{skip_note}",
        )
    pooled = sum(
        1 for r in past for t in r.trials if t.complete and t.metrics.val_accuracy is not None
    )
    if pooled < MIN_POOLED_TRIALS:
        return InsufficientData(
            topic=HISTORICAL,
            reason=f"{len(past)} past runs hold {pooled} complete trials; the pattern tests "
            f"need at least {MIN_POOLED_TRIALS}{skip_note}",
        )
    patterns = setting_patterns(past)
    significant = [p for p in patterns if p.p_adjusted < ALPHA]
    if not significant:
        smallest = patterns[0] if patterns else None
        detail = (
            f"; the strongest was {smallest.param} (p = {smallest.p_value:.2g}, adjusted "
            f"{smallest.p_adjusted:.2g})"
            if smallest
            else ""
        )
        return InsufficientData(
            topic=HISTORICAL,
            reason=f"no setting is significantly over-represented among the best quarter of "
            f"{pooled} trials from {len(past)} past runs after adjusting {len(patterns)} tests "
            f"(Benjamini-Hochberg){detail}{skip_note}",
        )
    best = significant[0]
    return _historical_recommendation(best, chosen, len(past), pooled, len(patterns), skip_note)


def _describe(pattern: SettingPattern) -> str:
    if pattern.top_range is not None:
        low, high = pattern.top_range
        return f"{pattern.param} {_fmt(low)} to {_fmt(high)}"
    return f"{pattern.param}={pattern.value}"


def _historical_recommendation(
    pattern: SettingPattern,
    chosen: TrialRecord | None,
    runs: int,
    pooled: int,
    tests: int,
    skip_note: str,
) -> Recommendation:
    level = confidence(pattern.p_adjusted)
    assert level is not None
    current_value = chosen.params.get(pattern.param) if chosen is not None else None
    current = f"{pattern.param}={current_value}" if current_value is not None else None
    if pattern.kind == "categorical":
        shown = f"{pattern.param}={pattern.value} is over-represented among the best past trials"
        effect = f"odds ratio {pattern.effect_size:.2f}" if pattern.effect_size else "odds ratio"
    else:
        shown = f"The best past trials used {_describe(pattern)}"
        effect = f"rank-biserial r = {pattern.effect_size:.2f}"
    return Recommendation(
        topic=HISTORICAL,
        title=shown,
        current=current,
        suggested=_describe(pattern),
        confidence=level,
        priority=gain_priority(pattern.gain),
        rationale=f"Across {pooled} complete trials of {runs} past runs on this dataset, the "
        f"best quarter by val accuracy ({pattern.n_top} trials) differs in {pattern.param}: "
        f"{effect}, p = {pattern.p_value:.2g} (Benjamini-Hochberg adjusted over {tests} "
        f"tests: {pattern.p_adjusted:.2g}){skip_note}."
        + (
            f" Trials with it beat the others by {pattern.gain:.3f} median val accuracy."
            if pattern.gain is not None
            else ""
        ),
        evidence=Evidence(
            test=pattern.test,
            statistic=pattern.statistic,
            p_value=pattern.p_value,
            effect_size=pattern.effect_size,
            effect_name=pattern.effect_name,
            ci_low=pattern.ci_low,
            ci_high=pattern.ci_high,
            ci_name="95% CI of the conditional odds ratio" if pattern.ci_low is not None else None,
            n=pattern.n,
            p_value_adjusted=pattern.p_adjusted,
            adjustment=f"Benjamini-Hochberg over {tests} tests",
        ),
        expected_gain=pattern.gain,
        expected_gain_unit=ACCURACY if pattern.gain is not None else None,
    )
