"""The topics read across a run's complete trials: learning rate against val accuracy, batch
size against seconds per epoch (and peak memory)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from healthopt.jsonio import JSONFileError, read_json
from healthopt.optimize.assembly import trial_dir
from healthopt.records import RunResults, TrialRecord, finite_or_none
from healthopt.records.recommendations import (
    BATCH_SIZE,
    LEARNING_RATE,
    InsufficientData,
    Level,
    Recommendation,
)
from healthopt.runs.index import RunFolder
from healthopt.runs.recommendations.common import (
    ACCURACY,
    ALPHA,
    Finding,
    confidence,
    fmt,
    gain_priority,
    no_signal,
    spearman,
    spearman_evidence,
)

MIN_TRIALS = 8  # complete trials a cross-trial correlation needs
MEDIUM_TIME_SAVING = 0.25
LEARNING_RATE_SUFFIX = "_learning_rate"
OBSERVER_FILE = "observer.json"


def _complete(results: RunResults) -> list[TrialRecord]:
    return [t for t in results.trials if t.complete and t.metrics.val_accuracy is not None]


def _top_quarter(trials: Sequence[TrialRecord]) -> list[TrialRecord]:
    count = max(1, math.ceil(len(trials) / 4))
    return sorted(trials, key=lambda t: (-(t.metrics.val_accuracy or 0.0), t.number))[:count]


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
    result, interval = spearman(logs, accuracy)
    rho, p_value = float(result.statistic), float(result.pvalue)
    level = confidence(p_value)
    if level is None:
        return no_signal(LEARNING_RATE, "Spearman rho", rho, p_value, len(trials))
    best = _top_quarter(trials)
    ranges: dict[str, list[float]] = {}
    for t in best:
        name, value = rates[t.number]
        ranges.setdefault(name, []).append(value)
    suggested = "; ".join(
        f"{name} {fmt(min(v))} to {fmt(max(v))}" for name, v in sorted(ranges.items())
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
        current=f"{current[0]}={fmt(current[1])}" if current else None,
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
        evidence=spearman_evidence(
            "log10 learning rate vs val accuracy", rho, p_value, interval, len(trials)
        ),
        expected_gain=gain,
        expected_gain_unit=ACCURACY if gain is not None else None,
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
    result, interval = spearman(batches, seconds)
    rho, p_value = float(result.statistic), float(result.pvalue)
    level = confidence(p_value)
    if level is None:
        return no_signal(
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
        evidence=spearman_evidence(
            "batch size vs seconds per epoch", rho, p_value, interval, len(timed)
        ),
        expected_gain=saving,
        expected_gain_unit="fraction of epoch time saved" if saving is not None else None,
    )
