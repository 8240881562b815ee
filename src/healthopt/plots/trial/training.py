"""How training went: the Keras history curves and the batch-loss spread per epoch."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from healthopt.plots import style
from healthopt.plots.trial.common import epoch_numbers, integer_ticks, panels, per_epoch, require
from healthopt.plots.trial.sources import KerasHistory, TrialData

_ACCURACY_NAMES = ("accuracy", "acc", "categorical_accuracy", "sparse_categorical_accuracy")


def _curve(history: KerasHistory, names: tuple[str, ...], prefix: str) -> list[float] | None:
    """The first matching history list, as floats (NaN where not a finite number)."""
    for name in names:
        found = history.get(prefix + name)
        if found:
            return [math.nan if v is None else v for v in found]
    return None


def _best_epoch(val_loss: list[float] | None, val_acc: list[float] | None) -> int | None:
    """Index of the lowest validation loss (else the highest validation accuracy)."""
    for values, pick in ((val_loss, np.nanargmin), (val_acc, np.nanargmax)):
        if values and not all(math.isnan(v) for v in values):
            return int(pick(values))
    return None


def training_history(data: TrialData, path: Path, dpi: int) -> Path:
    """Loss and accuracy per epoch, train against validation, with the best epoch marked."""
    history = data.history()
    curves = {
        "loss": (_curve(history, ("loss",), ""), _curve(history, ("loss",), "val_")),
        "accuracy": (
            _curve(history, _ACCURACY_NAMES, ""),
            _curve(history, _ACCURACY_NAMES, "val_"),
        ),
    }
    curves = {k: v for k, v in curves.items() if v[0] or v[1]}
    require(curves, "history.json has neither loss nor accuracy curves")
    val_loss, val_acc = curves.get("loss", (None, None))[1], curves.get("accuracy", (None, None))[1]
    best = _best_epoch(val_loss, val_acc)
    fig, axes = style.figure(
        1, len(curves), size=(6.0 * len(curves), 4.6), title="Training history"
    )
    for ax, (metric, (train, val)) in zip(panels(axes), curves.items(), strict=True):
        for values, label, color in (
            (train, "train", style.TRAIN_COLOR),
            (val, "validation", style.VAL_COLOR),
        ):
            if values:
                x = np.arange(1, len(values) + 1)
                ax.plot(
                    x,
                    values,
                    marker="o" if len(values) <= 30 else None,
                    ms=4,
                    label=label,
                    color=color,
                )
        if best is not None:
            ax.axvline(best + 1, color="#555555", ls="--", lw=1, label=f"best epoch ({best + 1})")
            if val and best < len(val) and math.isfinite(val[best]):
                right_half = best + 1 > (len(val) + 1) / 2
                ax.annotate(
                    f"{val[best]:.3f}",
                    (best + 1, val[best]),
                    textcoords="offset points",
                    xytext=(-6, 8) if right_half else (6, 8),
                    ha="right" if right_half else "left",
                    fontsize=9,
                    color=style.VAL_COLOR,
                )
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(metric.capitalize())
        integer_ticks(ax.xaxis)
        ax.legend(loc="best")
    return style.save(fig, path, dpi, crop=False)


def loss_spread(data: TrialData, path: Path, dpi: int) -> Path:
    """Batch loss min/mean/max per epoch with the validation loss, and the learning rate."""
    epochs = data.epochs()
    x = np.array(epoch_numbers(epochs))
    low = per_epoch(epochs, lambda e: e.loss.train_min)
    mean = per_epoch(epochs, lambda e: e.loss.train_mean)
    high = per_epoch(epochs, lambda e: e.loss.train_max)
    require(
        [v for v in mean if math.isfinite(v)] or None,
        "observer.json has no batch-loss statistics (loss.train_mean)",
    )
    val = per_epoch(epochs, lambda e: e.loss.val.val_loss)
    rate = per_epoch(epochs, lambda e: e.optimizer.learning_rate)
    rates = [float(v) for v in rate if math.isfinite(v)]
    # A constant rate needs no panel of its own; it goes in the title.
    has_rate = len(set(rates)) > 1
    title = "Batch loss spread per epoch"
    if rates and not has_rate:
        title += f" (learning rate {rates[0]:.3g}, constant)"
    fig, axes = style.figure(
        2 if has_rate else 1,
        1,
        size=(8.0, 6.4 if has_rate else 4.4),
        title=title,
    )
    ax = panels(axes)[0]
    if len(x) > 1:
        ax.fill_between(x, low, high, color=style.TRAIN_COLOR, alpha=0.18, label="batch min–max")
    ax.errorbar(
        x,
        mean,
        yerr=[np.nan_to_num(mean - low), np.nan_to_num(high - mean)],
        fmt="o-",
        ms=4,
        capsize=4,
        color=style.TRAIN_COLOR,
        label="batch mean (bars: min–max)",
    )
    if np.isfinite(val).any():
        ax.plot(x, val, "s--", ms=4, color=style.VAL_COLOR, label="validation loss")
    ax.set_ylabel("loss")
    ax.set_xlabel("epoch")
    integer_ticks(ax.xaxis)
    ax.legend(loc="best")
    if has_rate:
        rate_ax = panels(axes)[1]
        rate_ax.plot(x, rate, "o-", ms=4, color=style.PALETTE[2])
        positive = rate[np.isfinite(rate) & (rate > 0)]
        if len(positive) and positive.max() / positive.min() > 10:
            rate_ax.set_yscale("log")
        else:
            rate_ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
        rate_ax.set_ylabel("learning rate")
        rate_ax.set_xlabel("epoch")
        integer_ticks(rate_ax.xaxis)
        rate_ax.set_title("Learning rate")
    return style.save(fig, path, dpi, crop=False)
