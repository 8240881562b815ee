"""The topics read from the chosen trial's learning curves (its history.json): overfitting
(the train/val gap per epoch) and convergence (val accuracy still rising at the end)."""

from __future__ import annotations

import statistics

from scipy import stats

from healthopt.jsonio import JSONFileError, read_json
from healthopt.optimize.assembly import trial_dir
from healthopt.records import TrialRecord, finite_or_none
from healthopt.records.recommendations import (
    CONVERGENCE,
    OVERFITTING,
    Evidence,
    InsufficientData,
    Recommendation,
)
from healthopt.runs.history import number
from healthopt.runs.index import RunFolder
from healthopt.runs.recommendations.common import (
    ACCURACY,
    Finding,
    confidence,
    fmt,
    gain_priority,
    no_signal,
)

MIN_EPOCHS = 3  # epochs the overfitting t-test needs
MIN_CURVE_POINTS = 3  # points of the curve's last half linregress needs
MIN_ACCURACY_GAP = 0.02  # a train/val accuracy gap below 2 points is not worth acting on
MIN_LOSS_GAP = 0.05
HIGH_LOSS_GAP = 0.2
DROPOUT_STEP = 0.1
MAX_DROPOUT = 0.5  # the search space's highest dropout; more starves the layers after it
HISTORY_FILE = "history.json"


def read_history(
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
        return no_signal(OVERFITTING, "t", float(result.statistic), p_value, len(gaps))
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
    current = ", ".join(f"{k}={fmt(v)}" for k, v in sorted(dropouts.items()))
    raised = {k: min(v + DROPOUT_STEP, MAX_DROPOUT) for k, v in dropouts.items() if v < MAX_DROPOUT}
    if raised:
        suggested = ", ".join(f"{k}={fmt(v)}" for k, v in sorted(raised.items()))
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
        return no_signal(CONVERGENCE, "slope per epoch", float(fit.slope), p_value, len(points))
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
