"""Training-dynamics checks (seed 004 section 11.2): learning rate, batch size, non-finite numbers.

All are filed under Category.LOSS: a learning rate or batch size shows up as the shape of the
loss curve, and NaN losses or infinite gradients are how a broken loss surfaces. The
learning-rate and batch-size checks reuse the loss module's rules (first record's batch spread
left out, near-converged epochs not judged, moves under `loss_plateau_improvement` are noise).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

from healthopt.diagnostics.checks.loss import (
    converged,
    direction,
    start_loss,
    train_loss,
    train_losses,
)
from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, epoch_index, given
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import EpochRecord, LayerHealth, Record

# Losses whose non-finite (or null) value means the loss blew up: (path, its block, key).
LOSS_KEYS: tuple[tuple[tuple[str, ...], Callable[[EpochRecord], Record]], ...] = (
    (("loss", "train_mean"), lambda e: e.loss),
    (("loss", "train_epoch"), lambda e: e.loss),
    (("loss", "val", "val_loss"), lambda e: e.loss.val),
)


def _latest_positive(
    epochs: list[EpochRecord], figure: Callable[[EpochRecord], float | int | None]
) -> float | None:
    """The latest positive value of `figure` in the history, None when never recorded."""
    for record in reversed(epochs):
        value = figure(record)
        if value is not None and value > 0:
            return float(value)
    return None


def _learning_rate(epochs: list[EpochRecord]) -> float | None:
    return _latest_positive(epochs, lambda e: e.optimizer.learning_rate)


def _batch_size(epochs: list[EpochRecord]) -> float | None:
    return _latest_positive(epochs, lambda e: e.optimizer.batch_size)


def _lr_example(epochs: list[EpochRecord], factor: float, fallback: str) -> str:
    """An example learning rate `factor` times the recorded one, e.g. "3e-4 instead of 1e-3"."""
    lr = _learning_rate(epochs)
    return f"{lr * factor:.1g} instead of {lr:g}" if lr is not None else fallback


def _lr_metric(epochs: list[EpochRecord], position: int) -> tuple[str, float | None, str]:
    """metric_key, metric_value and a phrase for the learning rate, or the loss without one."""
    lr = _learning_rate(epochs)
    if lr is not None:
        return "optimizer.learning_rate", lr, f"The learning rate is {lr:g}."
    return "loss.train_mean", train_loss(epochs[position]), ""


def _overshoot(epochs: list[EpochRecord], t: DiagnosticThresholds) -> tuple[int, str] | None:
    """(position, reason) where the train loss first proved to zig-zag or jump, else None."""
    losses = train_losses(epochs)
    start = start_loss(losses)
    flips, last_direction = 0, 0
    for i in range(1, len(losses)):
        prev, curr = losses[i - 1], losses[i]
        if prev is None or curr is None:
            continue
        if converged(epochs[i - 1], start, t) or converged(epochs[i], start, t):
            continue
        if prev > 0 and curr / prev > t.loss_explosion_ratio:
            return i, f"train loss jumped {curr / prev:.1f}x, from {prev:.4g} to {curr:.4g}"
        step = direction(prev, curr, t.loss_plateau_improvement)
        if step == 0:
            continue
        if last_direction and step != last_direction:
            flips += 1
        last_direction = step
        if flips >= t.lr_oscillation_sign_changes:
            return i, (
                f"train loss changed direction {flips} times (moves over "
                f"{100 * t.loss_plateau_improvement:g}%), last {prev:.4g} -> {curr:.4g}"
            )
    return None


def check_learning_rate_too_high(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """The epoch train loss zig-zags: its direction flipped `lr_oscillation_sign_changes`
    times, or it jumped more than `loss_explosion_ratio` times in one epoch (warning).

    Moves under `loss_plateau_improvement` are flat and neither flip nor break the pattern;
    steps into or out of a near-converged epoch are ignored. Reported at the epoch where the
    evidence became conclusive, quoting `optimizer.learning_rate` when recorded. A jump is
    also a `loss_explosion`; this issue names the likely cause.
    """
    epochs = data.epochs
    found = _overshoot(epochs, t)
    if found is None:
        return []
    i, reason = found
    epoch = epoch_index(epochs, i)
    key, value, lr_text = _lr_metric(epochs, i)
    return [
        Issue(
            check="learning_rate_too_high",
            severity=Severity.WARNING,
            category=Category.LOSS,
            title="Learning rate too high",
            description=f"By epoch {epoch} the {reason}: the steps overshoot. {lr_text}".strip(),
            suggestion=(
                "Lower the learning rate 3-10x (e.g. learning_rate="
                f"{_lr_example(epochs, 1 / 3, '3e-4 instead of 1e-3')} on the optimizer), add "
                "a decay schedule or keras.callbacks.ReduceLROnPlateau, and consider "
                "clipnorm=1.0 on the optimizer."
            ),
            epoch_index=epoch,
            metric_key=key,
            metric_value=value,
        )
    ]


def check_learning_rate_too_low(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Steady but slow progress: over at least 3 epochs the train loss fell every epoch, yet
    by less than `lr_too_low_epoch_improvement` per epoch on average (info).

    Needs a loss for every epoch and a model that is not near-converged at the end, where
    small steps are expected.
    """
    epochs = data.epochs
    losses = [loss for loss in train_losses(epochs) if loss is not None and loss > 0]
    if len(losses) < 3 or len(losses) < len(epochs):
        return []
    pairs = list(zip(losses, losses[1:], strict=False))
    if any(curr >= prev for prev, curr in pairs):
        return []
    mean_drop = statistics.fmean((prev - curr) / prev for prev, curr in pairs)
    if mean_drop >= t.lr_too_low_epoch_improvement or converged(epochs[-1], start_loss(losses), t):
        return []
    last = len(epochs) - 1
    key, value, lr_text = _lr_metric(epochs, last)
    return [
        Issue(
            check="learning_rate_too_low",
            severity=Severity.INFO,
            category=Category.LOSS,
            title="Learning rate may be too low",
            description=(
                f"Train loss fell every epoch but only {100 * mean_drop:.2f}% per epoch on "
                f"average (from {losses[0]:.4g} to {losses[-1]:.4g} in {len(pairs)} epochs), "
                f"under {100 * t.lr_too_low_epoch_improvement:g}%. {lr_text}"
            ).strip(),
            suggestion=(
                "Raise the learning rate 3-10x (e.g. learning_rate="
                f"{_lr_example(epochs, 3, '3e-3 instead of 1e-3')} on the optimizer), or use "
                "a warm-up then decay schedule such as keras.optimizers.schedules.CosineDecay."
            ),
            epoch_index=epoch_index(epochs, last),
            metric_key=key,
            metric_value=value,
        )
    ]


def _median_cv(epochs: list[EpochRecord], t: DiagnosticThresholds) -> float | None:
    """Median batch-loss std/mean over the epochs after the first that are not converged."""
    start = start_loss(train_losses(epochs))
    cvs = []
    for record in epochs[1:]:  # the first record's spread is the initial descent
        mean, std = record.loss.train_mean, record.loss.train_std
        if mean is not None and std is not None and mean > 0 and not converged(record, start, t):
            cvs.append(std / mean)
    return statistics.median(cvs) if cvs else None


def check_batch_size_too_small(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """`optimizer.batch_size` is at most `batch_size_small` and the batch losses are noisy:
    median std/mean over the epochs after the first above `high_loss_variance_cv` / 2 (info).

    Half the high-variance limit because a small batch is the likely cause well before the
    noise is bad enough for `high_loss_variance`.
    """
    batch = _batch_size(data.epochs)
    cv = _median_cv(data.epochs, t)
    if batch is None or cv is None:
        return []
    limit = t.high_loss_variance_cv / 2
    if batch > t.batch_size_small or cv <= limit:
        return []
    return [
        Issue(
            check="batch_size_too_small",
            severity=Severity.INFO,
            category=Category.LOSS,
            title="Batch size may be too small",
            description=(
                f"Batch size {batch:g} (at most {t.batch_size_small}) with noisy batch losses: "
                f"median std/mean {cv:.2f}, above {limit:g}. Small batches give noisy "
                "gradients and leave the hardware underused."
            ),
            suggestion=(
                "Try batch_size=64 or 128 in model.fit, scaling the learning rate up with it "
                "(about linearly), for steadier gradients and higher throughput."
            ),
            metric_key="optimizer.batch_size",
            metric_value=int(batch),
        )
    ]


def check_batch_size_too_large(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """`optimizer.batch_size` is at least `batch_size_large`, batch losses are very smooth
    (median std/mean under `batch_smooth_cv`), and over the last `loss_plateau_window` epochs
    train loss improved by `loss_plateau_improvement` while validation loss did not (info).

    Info, not warning: the stalled validation loss is the symptom that matters (overfitting
    and plateau report it); a large batch is one likely cause worth trying.
    """
    epochs = data.epochs
    batch = _batch_size(epochs)
    cv = _median_cv(epochs, t)
    window = max(2, t.loss_plateau_window)
    if batch is None or cv is None or batch < t.batch_size_large or cv >= t.batch_smooth_cv:
        return []
    if len(epochs) < window:
        return []
    head, tail = epochs[-window], epochs[-1]
    train_first, train_last = train_loss(head), train_loss(tail)
    val_first, val_last = head.loss.val.val_loss, tail.loss.val.val_loss
    if train_first is None or train_last is None or val_first is None or val_last is None:
        return []
    if train_first <= 0 or val_first <= 0:
        return []
    train_gain = (train_first - train_last) / train_first
    val_gain = (val_first - val_last) / val_first
    if train_gain < t.loss_plateau_improvement or val_gain >= t.loss_plateau_improvement:
        return []
    last = len(epochs) - 1
    return [
        Issue(
            check="batch_size_too_large",
            severity=Severity.INFO,
            category=Category.LOSS,
            title="Batch size may be too large",
            description=(
                f"Batch size {batch:g} (at least {t.batch_size_large}) with very smooth batch "
                f"losses (median std/mean {cv:.3f}): over the last {window} epochs train loss "
                f"improved {100 * train_gain:.1f}% but validation loss {100 * val_gain:.1f}%. "
                "Very large batches tend to settle in sharp minima that generalise worse."
            ),
            suggestion=(
                "Try a smaller batch_size in model.fit (e.g. 64-256), lowering the learning "
                "rate with it, or add regularisation (keras.layers.Dropout, weight decay)."
            ),
            epoch_index=epoch_index(epochs, last),
            metric_key="optimizer.batch_size",
            metric_value=int(batch),
        )
    ]


def check_nan_in_loss(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A train or validation loss is NaN, infinite or null (critical, at the first such epoch).

    The observer writes non-finite numbers as null, so a `loss.train_mean` or
    `loss.train_epoch` the record gave as null counts (one it left out does not). A null
    `loss.val.val_loss` counts only when some other epoch has a real validation loss: a run
    without validation data writes null there every epoch.
    """
    epochs = data.epochs
    has_val = any(record.loss.val.val_loss is not None for record in epochs)
    bad: list[tuple[int, tuple[str, ...]]] = []
    for i, record in enumerate(epochs):
        for path, block in LOSS_KEYS:
            holder = block(record)
            if not given(holder, path[-1]) or getattr(holder, path[-1]) is not None:
                continue
            if path[-1] == "val_loss" and not has_val and (i, path) not in data.non_finite:
                continue
            bad.append((i, path))
    if not bad:
        return []
    first, path = bad[0]
    epoch = epoch_index(epochs, first)
    count = len({i for i, _ in bad})
    key, value = ".".join(path), data.describe_missing(first, path)
    return [
        Issue(
            check="nan_in_loss",
            severity=Severity.CRITICAL,
            category=Category.LOSS,
            title="NaN or infinite loss",
            description=(
                f"{key} is {value} at epoch {epoch}; {count} epoch(s) have a "
                "non-finite loss, so the weights are no longer usable from there on."
            ),
            suggestion=(
                "Lower the learning rate and add clipnorm=1.0 on the optimizer; check the "
                "inputs and labels for NaN/inf and scale features; add "
                "keras.callbacks.TerminateOnNaN() to stop at once."
            ),
            epoch_index=epoch,
            metric_key=key,
            metric_value=value,
        )
    ]


def _norm_path(layer: str) -> tuple[str, ...]:
    return ("layer_health", "layers", layer, "gradient_norm")


def _nonfinite_gradient(
    data: DiagnosticInput, position: int, layer: str, entry: LayerHealth
) -> bool:
    """`gradient_finite` is False, or the file gave the gradient norm as NaN or infinity."""
    return entry.gradient_finite is False or (position, _norm_path(layer)) in data.non_finite


def check_inf_gradients(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """A layer's gradient on the probe batch is not finite (`gradient_finite` False, or an
    inf/NaN `gradient_norm`); critical, one issue at the first such epoch.

    One issue rather than one per layer: a non-finite gradient spreads to every layer below
    it, so the layers share one cause. `layer_id` is the first affected layer in record order.
    """
    epochs = data.epochs
    hits = [
        (i, [n for n, entry in record.layers.items() if _nonfinite_gradient(data, i, n, entry)])
        for i, record in enumerate(epochs)
    ]
    hits = [(i, names) for i, names in hits if names]
    if not hits:
        return []
    first, names = hits[0]
    epoch = epoch_index(epochs, first)
    value: bool | str
    if epochs[first].layers[names[0]].gradient_finite is False:
        key, value = "gradient_finite", False
    else:
        key = data.spelling(first, names[0], "gradient_norm")
        value = data.describe_missing(first, _norm_path(names[0]))
    return [
        Issue(
            check="inf_gradients",
            severity=Severity.CRITICAL,
            category=Category.LOSS,
            title="Non-finite gradients",
            description=(
                f"At epoch {epoch} the gradients of {len(names)} layer(s) are NaN or infinite "
                f"({', '.join(names)}); {len(hits)} epoch(s) affected. The next update "
                "writes NaN into the weights."
            ),
            suggestion=(
                "Add clipnorm=1.0 on the optimizer and lower the learning rate; look for "
                "log(0), division by zero or unscaled inputs, and add "
                "keras.callbacks.TerminateOnNaN()."
            ),
            epoch_index=epoch,
            layer_id=names[0],
            metric_key=f"layer_health.layers.{names[0]}.{key}",
            metric_value=value,
        )
    ]


CHECKS = [
    check_learning_rate_too_high,
    check_learning_rate_too_low,
    check_batch_size_too_small,
    check_batch_size_too_large,
    check_nan_in_loss,
    check_inf_gradients,
]
