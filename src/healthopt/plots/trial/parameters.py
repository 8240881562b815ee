"""Weight and bias value distributions per layer, from the sampled values in plot_inputs.npz."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from healthopt.plots import style
from healthopt.plots.inputs import MAX_BIAS_VALUES, MAX_KERNEL_VALUES, ParameterSample
from healthopt.plots.trial.common import finite, panels, require, wrap_name
from healthopt.plots.trial.sources import TrialData

MAX_PANELS = 12
_COLUMNS = 4


def _spread(items: list, limit: int) -> list:
    """At most `limit` items, evenly spread from first to last (the model's ends stay in)."""
    if len(items) <= limit:
        return items
    picks = np.unique(np.linspace(0, len(items) - 1, limit).round().astype(int))
    return [items[i] for i in picks]


def _histograms(
    samples: list[tuple[ParameterSample, np.ndarray, int, str]],
    path: Path,
    dpi: int,
    *,
    title: str,
    color: str,
    limit: int,
) -> Path:
    total = len(samples)
    shown = _spread(samples, MAX_PANELS)
    cols = min(_COLUMNS, len(shown))
    rows = math.ceil(len(shown) / cols)
    notes = []
    if total > len(shown):
        notes.append(f"{len(shown)} of {total} tensors, spread over the model")
    if any(full > limit for _, _, full, _ in shown):
        notes.append(f"up to {limit:,} sampled values per tensor")
    full_title = title + (f" ({'; '.join(notes)})" if notes else "")
    fig, axes = style.figure(rows, cols, size=(3.9 * cols, 3.1 * rows + 0.6), title=full_title)
    axes_list = panels(axes)
    for ax in axes_list[len(shown) :]:
        ax.axis("off")
    for ax, (param, values, full, shape) in zip(axes_list, shown, strict=False):
        values = finite(values)
        if values.size == 0:
            ax.set_title(f"{wrap_name(param.name)}\n{param.kind} {shape}", fontsize=9)
            ax.text(0.5, 0.5, "no finite values", ha="center", va="center", transform=ax.transAxes)
            continue
        # Statistics in the title, not over the bars; n is the tensor's full size.
        ax.set_title(
            f"{wrap_name(param.name)}\n{param.kind} {shape} · n={full:,}\n"
            f"μ={values.mean():.2g}  σ={values.std():.2g}",
            fontsize=8.5,
        )
        bins = int(min(50, max(5, math.sqrt(values.size))))
        # One filled outline, not a patch per bin: the same shape at a fraction of the cost.
        ax.hist(values, bins=bins, color=color, alpha=0.85, histtype="stepfilled")
        ax.axvline(0.0, color="#555555", lw=0.8)
        ax.tick_params(labelsize=8)
        ax.locator_params(axis="x", nbins=4)
    return style.save(fig, path, dpi, crop=False)


def weight_distributions(data: TrialData, path: Path, dpi: int) -> Path:
    """A histogram of each weight tensor's values (kernels, recurrent kernels, embeddings)."""
    params = require(list(data.inputs().parameters), "plot_inputs.npz holds no weight samples")
    samples = [(p, p.kernel, p.kernel_total, "×".join(map(str, p.shape))) for p in params]
    return _histograms(
        samples,
        path,
        dpi,
        title="Weight distributions",
        color=style.TRAIN_COLOR,
        limit=MAX_KERNEL_VALUES,
    )


def bias_distributions(data: TrialData, path: Path, dpi: int) -> Path:
    """A histogram of each layer's bias values."""
    params = data.inputs().parameters
    samples = [
        (p, p.bias, p.bias_total, f"bias ({p.bias_total})")
        for p in params
        if p.bias is not None and p.bias.size
    ]
    require(samples, "no layer in plot_inputs.npz has a bias")
    return _histograms(
        samples,
        path,
        dpi,
        title="Bias distributions",
        color=style.PALETTE[2],
        limit=MAX_BIAS_VALUES,
    )
