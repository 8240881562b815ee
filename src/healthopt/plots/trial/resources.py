"""What training cost: time, throughput, memory and energy per epoch, and time per layer."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from healthopt.plots import style
from healthopt.plots.trial.common import (
    epoch_numbers,
    integer_ticks,
    panels,
    per_epoch,
    require,
    short,
)
from healthopt.plots.trial.sources import MissingInput, TrialData
from healthopt.records import EpochRecord

# (figure of a record, panel title, axis label, scale applied to the recorded value)
_PANELS: tuple[tuple[Callable[[EpochRecord], float | None], str, str, float], ...] = (
    (lambda e: e.duration_seconds, "Epoch time", "seconds", 1.0),
    (lambda e: e.throughput.samples_per_second, "Throughput", "samples / second", 1.0),
    (lambda e: e.memory.process_rss_mb, "Process memory (RSS)", "MB", 1.0),
    (lambda e: e.carbon_emissions.epoch_energy_kwh, "Energy per epoch", "Wh", 1000.0),
)
_ENERGY = len(_PANELS) - 1  # the panel drawn as bars, with totals in its title
_COLORS = (style.PALETTE[0], style.PALETTE[1], style.PALETTE[4], style.PALETTE[2])
_MAX_TIMING_LAYERS = 40


def _energy(epochs: list[EpochRecord], wh: np.ndarray) -> tuple[str, str, np.ndarray]:
    """Panel title, unit and values for energy: mWh for small runs, the total and CO2 in
    the title, and whether the figure is an estimate."""
    total = float(np.nansum(wh))
    scale, unit = (1000.0, "mWh") if np.nanmax(wh) < 0.1 else (1.0, "Wh")
    co2 = [v for e in epochs if (v := e.carbon_emissions.epoch_co2_kg) is not None]
    methods = (e.carbon_emissions.method for e in epochs)
    method = next((m for m in methods if m is not None), "")
    title = f"Energy per epoch (total {total * scale:.3g} {unit}"
    if co2:
        title += f", {sum(co2) * 1000:.3g} g CO2"
    title += ", estimated)" if method.startswith("estimate") else ")"
    return title, unit, wh * scale


def resource_usage(data: TrialData, path: Path, dpi: int) -> Path:
    """Epoch time, throughput, memory and energy per epoch: the panels that were recorded."""
    epochs = data.epochs()
    x = np.array(epoch_numbers(epochs))
    found = []
    for index, (get, title, unit, scale) in enumerate(_PANELS):
        raw = per_epoch(epochs, get)
        if np.isfinite(raw).any():
            found.append((index, title, unit, raw * scale))
    require(found, "observer.json records no time, throughput, memory or energy")
    cols = 2 if len(found) > 1 else 1
    rows = math.ceil(len(found) / cols)
    fig, axes = style.figure(
        rows, cols, size=(6.0 * cols, 3.4 * rows + 0.5), title="Resource usage per epoch"
    )
    axes_list = panels(axes)
    for ax, (index, title, unit, shown), color in zip(axes_list, found, _COLORS, strict=False):
        if index == _ENERGY:
            title, unit, shown = _energy(epochs, shown)
            ax.bar(x, shown, color=color, width=0.6)
        else:
            ax.plot(x, shown, "o-", ms=4, color=color)
            finite = shown[np.isfinite(shown)]
            if finite.size and finite.max() > 0:
                ax.set_ylim(0, finite.max() * 1.15)
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.set_xlabel("epoch")
        integer_ticks(ax.xaxis)
    for ax in axes_list[len(found) :]:
        ax.axis("off")
    return style.save(fig, path, dpi, crop=False)


def layer_timing(data: TrialData, path: Path, dpi: int) -> Path:
    """Share of the forward pass each layer takes, from the last epoch's profiler probe."""
    epochs = data.epochs()
    for position in range(len(epochs) - 1, -1, -1):
        per_layer = epochs[position].profiler.per_layer
        if per_layer:
            break
    else:
        raise MissingInput("observer.json has no profiler per-layer timings")
    rows = [(e.name or "?", e.type or "", e.pct_total, e.forward_ms) for e in per_layer]
    require([r for r in rows if r[2] is not None], "the profiler timed no layer")
    hidden = 0
    if len(rows) > _MAX_TIMING_LAYERS:  # keep the costliest; the count left out is in the title
        ranked = sorted(rows, key=lambda r: -(r[2] if r[2] is not None else math.inf))
        keep = set(map(id, ranked[:_MAX_TIMING_LAYERS]))
        hidden, rows = len(rows) - len(keep), [r for r in rows if id(r) in keep]
    batch = epochs[position].profiler.probe_batch_size
    title = "Forward time per layer" + (f" (probe batch of {batch})" if batch else "")
    if hidden:
        title += f", {hidden} smallest layers left out"
    fig, ax = style.figure(size=(9.0, min(14.0, max(3.4, 0.34 * len(rows) + 1.6))), title=title)
    y = np.arange(len(rows))[::-1]
    largest = max(r[2] for r in rows if r[2] is not None)
    for pos, (_, _, share, ms) in zip(y, rows, strict=True):
        if share is None:  # the probe could not time it (a fused RNN kernel, for one)
            ax.text(0.5, pos, "not timed by the profiler", va="center", fontsize=8, color="#555555")
            continue
        ax.barh(pos, share, color=style.PALETTE[5], height=0.65)
        ax.text(
            share + largest * 0.02,
            pos,
            f"{share:.1f}%" + (f" · {ms:.2f} ms" if ms is not None else ""),
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y)
    ax.set_yticklabels(
        [f"{short(name, 24)} ({kind})" if kind else short(name, 24) for name, kind, _, _ in rows]
    )
    ax.set_xlim(0, largest * 1.3 + 1)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel(f"% of the timed forward pass (epoch {epoch_numbers(epochs)[position]})")
    return style.save(fig, path, dpi, crop=False)
