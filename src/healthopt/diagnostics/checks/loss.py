"""Loss checks (seed 004 section 5, category 1): how training and validation loss move.

Each check reads the epoch train loss (`loss.train_mean`, falling back to `loss.train_epoch`)
and, where it needs them, the batch-loss spread and the validation loss. Two rules keep
realistic healthy runs quiet:

- The first record is left out of the within-epoch checks: its batches run from the untrained
  initial loss down to the first learned one, so their spread measures learning, not noise.
- An epoch where the model is already near-converged (train accuracy at least
  `converged_accuracy`, or train loss below `converged_loss_fraction` of the first epoch's) is
  not judged: near zero a handful of hard batches dominate every ratio, and a jump from 0.004
  to 0.009 is a blip, not an explosion.

`metric_key` is the record path of the figure quoted and `metric_value` its value in the
epoch `epoch_index` names, so a reader can find it in the record; ratios are in the text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, epoch_index, series
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.generalization_gap import GapLimits, final_third_start, generalization_gap
from healthopt.records import EpochRecord
from healthopt.records.epoch import LossBlock

CLIP_HINT = "clipnorm=1.0 on the optimizer, e.g. keras.optimizers.Adam(clipnorm=1.0)"


def train_loss(record: EpochRecord) -> float | None:
    """The epoch's train loss: mean batch loss, or Keras's epoch loss when that is missing."""
    loss = record.loss
    return loss.train_mean if loss.train_mean is not None else loss.train_epoch


def val_loss(record: EpochRecord) -> float | None:
    return record.loss.val.val_loss


def train_losses(epochs: list[EpochRecord]) -> list[float | None]:
    return [train_loss(record) for record in epochs]


def start_loss(losses: Sequence[float | None]) -> float | None:
    """The first positive train loss, the yardstick for 'converged'."""
    return next((loss for loss in losses if loss is not None and loss > 0), None)


def converged(record: EpochRecord, start: float | None, t: DiagnosticThresholds) -> bool:
    """Whether this epoch's model already fits the training data (see module docstring)."""
    accuracy = record.accuracy.train
    if accuracy is not None and accuracy >= t.converged_accuracy:
        return True
    loss = train_loss(record)
    return start is not None and loss is not None and loss < t.converged_loss_fraction * start


def direction(prev: float, curr: float, floor: float) -> int:
    """+1 rising, -1 falling, 0 flat: moves under `floor` (relative) count as noise."""
    if curr - prev > floor * abs(prev):
        return 1
    if prev - curr > floor * abs(prev):
        return -1
    return 0


def check_loss_divergence(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Train loss rose in `loss_divergence_epochs` consecutive epochs (warning, first run only).

    A rise counts when it exceeds `loss_plateau_improvement` of the previous loss, so a flat
    loss wobbling by a fraction of a percent is not a divergence; a missing epoch breaks the
    run. Epochs that end near-converged are not counted.
    """
    epochs = data.epochs
    losses = train_losses(epochs)
    start = start_loss(losses)
    run, rise_from = 0, 0.0
    for i in range(1, len(losses)):
        prev, curr = losses[i - 1], losses[i]
        if (
            prev is None
            or curr is None
            or direction(prev, curr, t.loss_plateau_improvement) <= 0
            or converged(epochs[i], start, t)
        ):
            run = 0
            continue
        if run == 0:
            rise_from = prev
        run += 1
        if run >= t.loss_divergence_epochs:
            begin, end = epoch_index(epochs, i - run), epoch_index(epochs, i)
            change = f", {100 * (curr / rise_from - 1):+.1f}%" if rise_from > 0 else ""
            return [
                Issue(
                    check="loss_divergence",
                    severity=Severity.WARNING,
                    category=Category.LOSS,
                    title="Loss divergence",
                    description=(
                        f"Train loss rose {run} epochs in a row, from {rise_from:.4g} "
                        f"(epoch {begin}) to {curr:.4g} (epoch {end}){change}."
                    ),
                    suggestion=(
                        "Lower the learning rate (e.g. 3-10x) or add a schedule such as "
                        "keras.callbacks.ReduceLROnPlateau; check the inputs for NaN or "
                        "unscaled values."
                    ),
                    epoch_index=end,
                    metric_key="loss.train_mean",
                    metric_value=curr,
                )
            ]
    return []


def check_loss_explosion(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Train loss grew more than `loss_explosion_ratio` times in one epoch (critical, each).

    Needs a positive previous loss. A jump that leaves the model near-converged is skipped.
    """
    epochs = data.epochs
    losses = train_losses(epochs)
    start = start_loss(losses)
    issues = []
    for i in range(1, len(losses)):
        prev, curr = losses[i - 1], losses[i]
        if prev is None or curr is None or prev <= 0:
            continue
        ratio = curr / prev
        if ratio > t.loss_explosion_ratio and not converged(epochs[i], start, t):
            issues.append(
                Issue(
                    check="loss_explosion",
                    severity=Severity.CRITICAL,
                    category=Category.LOSS,
                    title="Loss explosion",
                    description=(
                        f"Train loss jumped from {prev:.4g} to {curr:.4g} ({ratio:.1f}x) "
                        f"between epochs {epoch_index(epochs, i - 1)} and "
                        f"{epoch_index(epochs, i)}; the limit is "
                        f"{t.loss_explosion_ratio:g}x."
                    ),
                    suggestion=(
                        "Lower the learning rate (e.g. 10x) and clip gradients with "
                        f"{CLIP_HINT}; check the data for outliers or unscaled features."
                    ),
                    epoch_index=epoch_index(epochs, i),
                    metric_key="loss.train_mean",
                    metric_value=curr,
                )
            )
    return issues


def check_loss_plateau(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Train loss improved by less than `loss_plateau_improvement` over the last
    `loss_plateau_window` epochs (warning).

    The change is measured from the first to the last epoch of the window (relative to the
    first), so a rising loss counts as not improving too. All epochs of the window must have a
    train loss. A model that is already near-converged at the end is not stuck: stopping it
    early is the sustainability checks' job.
    """
    epochs = data.epochs
    window = max(2, t.loss_plateau_window)
    losses = train_losses(epochs)
    if len(losses) < window:
        return []
    tail = [loss for loss in losses[-window:] if loss is not None]
    if len(tail) < window or tail[0] == 0:
        return []
    first, last = tail[0], tail[-1]
    improvement = (first - last) / abs(first)
    if improvement >= t.loss_plateau_improvement or converged(epochs[-1], start_loss(losses), t):
        return []
    begin, end = epoch_index(epochs, len(epochs) - window), epoch_index(epochs, len(epochs) - 1)
    return [
        Issue(
            check="loss_plateau",
            severity=Severity.WARNING,
            category=Category.LOSS,
            title="Loss plateau",
            description=(
                f"Train loss went from {first:.4g} (epoch {begin}) to {last:.4g} (epoch {end}): "
                f"{100 * improvement:.2f}% improvement over the last {window} epochs, under "
                f"the {100 * t.loss_plateau_improvement:g}% expected."
            ),
            suggestion=(
                "Add keras.callbacks.ReduceLROnPlateau(monitor='loss', factor=0.5, patience=2) "
                "or a decay schedule; if the loss is still high, the model may be too small or "
                "the learning rate too low."
            ),
            epoch_index=end,
            metric_key="loss.train_mean",
            metric_value=last,
        )
    ]


@dataclass(frozen=True)
class _Finding:
    """One overfitting rule that fired: its sentence and the record figure it points at."""

    text: str
    position: int
    metric_key: str
    metric_value: float | None


def gap_limits(t: DiagnosticThresholds) -> GapLimits:
    """The user's overfitting gap thresholds in the form the shared definition takes."""
    return GapLimits(
        accuracy_gap=t.overfitting_accuracy_gap,
        loss_ratio=t.overfitting_loss_ratio,
        loss_gap=t.overfitting_loss_gap,
    )


def _rising_val_loss(epochs: list[EpochRecord], t: DiagnosticThresholds) -> _Finding | None:
    """The trend rule: val loss rose while train loss fell in enough epochs since its best."""
    train = train_losses(epochs)
    val = series(epochs, val_loss)
    known = {i: v for i, v in enumerate(val) if v is not None}
    if not known:
        return None
    best = min(known, key=known.__getitem__)
    overfit = []
    for i in range(best + 1, len(epochs)):
        val_prev, val_curr, train_prev, train_curr = val[i - 1], val[i], train[i - 1], train[i]
        if val_prev is None or val_curr is None or train_prev is None or train_curr is None:
            continue
        if val_curr > val_prev and train_curr < train_prev:
            overfit.append(i)
    if len(overfit) < t.overfitting_epochs:
        return None
    last = overfit[-1]
    names = ", ".join(str(epoch_index(epochs, i)) for i in overfit)
    return _Finding(
        text=(
            f"Validation loss rose in {len(overfit)} epochs ({names}) since its best "
            f"{val[best]:.4g} at epoch {epoch_index(epochs, best)}, reaching "
            f"{val[last]:.4g}, while train loss kept falling to {train[last]:.4g}."
        ),
        position=last,
        metric_key="loss.val.val_loss",
        metric_value=val[last],
    )


def _val_acc(record: EpochRecord) -> float | None:
    return record.loss.val.val_acc


def _wide_gap(epochs: list[EpochRecord], t: DiagnosticThresholds) -> _Finding | None:
    """The gap rule: train and validation apart by more than the limits, whatever the trend."""
    gap = generalization_gap(
        train_losses(epochs),
        series(epochs, val_loss),
        series(epochs, lambda e: e.accuracy.train),
        series(epochs, _val_acc),
    )
    limits = gap_limits(t)
    parts = []
    if gap.accuracy is not None and gap.accuracy_too_wide(limits):
        parts.append(
            f"train accuracy {gap.accuracy.train:.3g} vs validation {gap.accuracy.val:.3g}, "
            f"a gap of {gap.accuracy_gap:.3g} "
            f"(limit {limits.accuracy_gap:g})"
        )
    if gap.loss is not None and gap.loss_too_wide(limits):
        ratio = gap.loss_ratio
        times = "" if ratio is None else f"{ratio:.1f}x and "
        parts.append(
            f"validation loss {gap.loss.val:.4g} vs train {gap.loss.train:.4g}, "
            f"{times}{gap.loss_gap:+.3g} "
            f"(limits {limits.loss_ratio:g}x and +{limits.loss_gap:g})"
        )
    if not parts:
        return None
    by_accuracy = gap.accuracy_too_wide(limits)
    key = "loss.val.val_acc" if by_accuracy else "loss.val.val_loss"
    values = series(epochs, _val_acc if by_accuracy else val_loss)
    position = max(i for i, v in enumerate(values) if v is not None)
    begin = epoch_index(epochs, final_third_start(len(epochs)))
    end = epoch_index(epochs, len(epochs) - 1)
    return _Finding(
        text=(
            f"Generalization gap over the final third (epochs {begin}-{end}, means): "
            + "; ".join(parts)
            + "."
        ),
        position=position,
        metric_key=key,
        metric_value=values[position],
    )


def check_overfitting(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Overfitting by either of two rules (one warning whose text names the rules that fired).

    - Gap: over the final third of training, train accuracy beats validation accuracy by at
      least `overfitting_accuracy_gap`, or validation loss is at least
      `overfitting_loss_ratio` times and `overfitting_loss_gap` above train loss. This is
      `healthopt.generalization_gap`, the definition the analyzer's overfitting figures use.
    - Trend: since its best epoch, validation loss rose in at least `overfitting_epochs`
      epochs while train loss fell. Counting only after the best validation epoch keeps
      early noise out: if validation loss recovers to a new best, the count starts again.

    Unlike the ratio checks, a near-converged model is judged too: a model that fits its
    training data far better than validation data is the typical overfit. Reported at the
    latest rising epoch when the trend rule fired, else at the last epoch with the validation
    figure the gap quotes.
    """
    epochs = data.epochs
    gap = _wide_gap(epochs, t)
    found = [f for f in (_rising_val_loss(epochs, t), gap) if f is not None]
    if not found:
        return []
    where = found[0]
    suggestion = (
        "Add keras.callbacks.EarlyStopping(monitor='val_loss', patience=2, "
        "restore_best_weights=True); regularise with keras.layers.Dropout(0.3-0.5) or "
        "kernel_regularizer=keras.regularizers.L2(1e-4); add data augmentation."
    )
    if gap is not None:
        suggestion += (
            " A gap this wide also comes from validation data prepared differently from "
            "training data (scaling, label order): check both go through the same steps."
        )
    return [
        Issue(
            check="overfitting",
            severity=Severity.WARNING,
            category=Category.LOSS,
            title="Overfitting",
            description=" ".join(f.text for f in found),
            suggestion=suggestion,
            epoch_index=epoch_index(epochs, where.position),
            metric_key=where.metric_key,
            metric_value=where.metric_value,
        )
    ]


def _ratios_to_mean(
    data: DiagnosticInput, numerator: Callable[[LossBlock], float | None], t: DiagnosticThresholds
) -> list[tuple[int, float, float]]:
    """(position, ratio, numerator value) of `numerator / train_mean` per judged epoch."""
    epochs = data.epochs
    start = start_loss(train_losses(epochs))
    found = []
    for i in range(1, len(epochs)):  # the first record's spread is the initial descent
        mean = epochs[i].loss.train_mean
        value = numerator(epochs[i].loss)
        if mean is None or value is None or mean <= 0 or converged(epochs[i], start, t):
            continue
        found.append((i, value / mean, value))
    return found


def check_high_loss_variance(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Batch losses within an epoch spread more than `high_loss_variance_cv` (std / mean) in
    at least one epoch after the first (warning, reported at the noisiest epoch)."""
    found = _ratios_to_mean(data, lambda loss: loss.train_std, t)
    noisy = [row for row in found if row[1] > t.high_loss_variance_cv]
    if not noisy:
        return []
    i, cv, std = max(noisy, key=lambda row: row[1])
    epoch = epoch_index(data.epochs, i)
    return [
        Issue(
            check="high_loss_variance",
            severity=Severity.WARNING,
            category=Category.LOSS,
            title="High loss variance",
            description=(
                f"Batch losses vary widely: std/mean is {cv:.2f} at epoch {epoch} (std "
                f"{std:.4g}), above {t.high_loss_variance_cv:g}, in {len(noisy)} of "
                f"{len(found)} epochs checked."
            ),
            suggestion=(
                "Increase the batch size (e.g. 32 -> 128) for steadier gradients, or lower the "
                "learning rate; shuffle the training data if batches differ systematically."
            ),
            epoch_index=epoch,
            metric_key="loss.train_std",
            metric_value=std,
        )
    ]


def check_gradient_instability(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Seed's "gradient spike": the worst batch loss exceeds `gradient_spike_ratio` times the
    epoch's mean batch loss in some epoch after the first (warning, at the worst epoch)."""
    found = _ratios_to_mean(data, lambda loss: loss.train_max, t)
    spikes = [row for row in found if row[1] > t.gradient_spike_ratio]
    if not spikes:
        return []
    i, ratio, worst = max(spikes, key=lambda row: row[1])
    epoch = epoch_index(data.epochs, i)
    mean = data.epochs[i].loss.train_mean
    return [
        Issue(
            check="gradient_instability",
            severity=Severity.WARNING,
            category=Category.LOSS,
            title="Gradient spike",
            description=(
                f"At epoch {epoch} one batch had loss {worst:.4g}, {ratio:.1f}x the epoch mean "
                f"{mean:.4g} (limit {t.gradient_spike_ratio:g}x); such a batch sends a huge "
                f"gradient step. Seen in {len(spikes)} epoch(s)."
            ),
            suggestion=(
                f"Clip gradients with {CLIP_HINT}; look for mislabelled or extreme "
                "samples in the data."
            ),
            epoch_index=epoch,
            metric_key="loss.train_max",
            metric_value=worst,
        )
    ]


CHECKS = [
    check_loss_divergence,
    check_loss_explosion,
    check_loss_plateau,
    check_overfitting,
    check_high_loss_variance,
    check_gradient_instability,
]
