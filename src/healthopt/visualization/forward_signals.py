"""Forward signals: one real number per layer from a trial's epoch records, for the 3D view's
forward-propagation animation to light each layer by.

The animation is only worth showing when its brightness means something, so every value is
a measurement the trial's observer made (never a made-up ramp):

- ``activation_rms``: the root-mean-square activation of each layer on the observer's fixed
  probe batch, sqrt(activation_mean_square) (|activation_mean| when only the mean was
  recorded), read from the last epoch that has such figures for the model's layers.
- ``forward_time_share``: each layer's share of the timed forward pass in percent
  (the profiler's ``per_layer[].pct_total``), from the last epoch that timed layers.

Values are kept only for the architecture's own layers, only when finite and not negative;
a signal with no such value, or whose values are all zero, is left out rather than served as
a dark, meaningless pulse. ``intensities`` scale each value by the signal's largest, so the
brightest layer is 1.0. Pure functions on `records.EpochRecord`s (no TensorFlow).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from typing import Literal

from pydantic import ConfigDict, Field

from healthopt.records import EpochRecord, LayerHealth, Record

Measure = Literal["activation_rms", "forward_time_share"]


class ForwardSignal(Record):
    """One measured number per layer that the forward-propagation animation lights layers
    by, and what it is. (Unknown keys are dropped, as for every record the view builds.)"""

    model_config = ConfigDict(**{**Record.model_config, "extra": "ignore"})

    measure: Measure
    title: str = Field(description='short, e.g. "Activation RMS on the probe batch"')
    description: str = Field(description="what was measured, on which epoch, in what unit")
    epoch: int | None = Field(description="the 0-based epoch the values were read from")
    values: dict[str, float] = Field(
        description="layer_id -> the raw value (RMS activation, or % of the forward pass)"
    )
    intensities: dict[str, float] = Field(
        description="layer_id -> value / the largest value, in [0, 1]; only layers with a value"
    )


def forward_signals(
    epochs: Sequence[EpochRecord], layer_ids: Collection[str]
) -> list[ForwardSignal]:
    """The signals the records hold for the layers `layer_ids` (activation RMS first, then
    forward-time share); [] when they hold neither."""
    found = (activation_rms(epochs, layer_ids), forward_time_share(epochs, layer_ids))
    return [signal for signal in found if signal is not None]


def activation_rms(
    epochs: Sequence[EpochRecord], layer_ids: Collection[str]
) -> ForwardSignal | None:
    """Each layer's RMS activation on the probe batch, from the last epoch that has one."""

    def read(record: EpochRecord) -> dict[str, float]:
        return _usable(
            {name: _rms(entry) for name, entry in record.layers.items() if name in layer_ids}
        )

    found = _last(epochs, read)
    if found is None:
        return None
    epoch, values = found
    return _signal(
        "activation_rms",
        "Activation RMS on the probe batch",
        "Root-mean-square activation of each layer's output on the observer's fixed probe "
        f"batch at the end of epoch {epoch + 1} (in the layer's own output units).",
        epoch,
        values,
    )


def forward_time_share(
    epochs: Sequence[EpochRecord], layer_ids: Collection[str]
) -> ForwardSignal | None:
    """Each layer's percent of the timed forward pass, from the last epoch that timed layers."""

    def read(record: EpochRecord) -> dict[str, float]:
        shares: dict[str, float | None] = {}
        for timed in record.profiler.per_layer:
            if timed.name is not None and timed.name in layer_ids:
                shares.setdefault(timed.name, timed.pct_total)
        return _usable(shares)

    found = _last(epochs, read)
    if found is None:
        return None
    epoch, values = found
    return _signal(
        "forward_time_share",
        "Share of forward time (profiler)",
        "Each layer's share of the profiled forward pass of one probe batch, timed on epoch "
        f"{epoch + 1} (percent of the forward time).",
        epoch,
        values,
    )


def _rms(entry: LayerHealth) -> float | None:
    square = entry.activation_mean_square
    if square is not None:
        return math.sqrt(square) if square >= 0 else None
    return None if entry.activation_mean is None else abs(entry.activation_mean)


def _usable(values: dict[str, float | None]) -> dict[str, float]:
    """The finite, non-negative values; {} when none is above zero (nothing to light)."""
    kept = {k: v for k, v in values.items() if v is not None and math.isfinite(v) and v >= 0}
    return kept if any(v > 0 for v in kept.values()) else {}


def _last(
    epochs: Sequence[EpochRecord], read: Callable[[EpochRecord], dict[str, float]]
) -> tuple[int, dict[str, float]] | None:
    """(0-based epoch, values) of the last record `read` finds values in; None when none."""
    for index in range(len(epochs) - 1, -1, -1):
        values = read(epochs[index])
        if values:
            record = epochs[index]
            return (index if record.epoch is None else record.epoch), values
    return None


def _signal(
    measure: Measure, title: str, description: str, epoch: int, values: dict[str, float]
) -> ForwardSignal:
    peak = max(values.values())
    return ForwardSignal(
        measure=measure,
        title=title,
        description=description,
        epoch=epoch,
        values=values,
        intensities={name: value / peak for name, value in values.items()},
    )
