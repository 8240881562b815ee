"""The hyperparameter-impact heatmap: how each hyperparameter goes with accuracy, each health
component, fit time and model size over a run's complete trials.

Spearman's rank correlation (`scipy.stats.spearmanr`, with its p-value) because trial values
are few, skewed (learning rates span decades) and often ordinal (layer counts, batch sizes):
ranks need no scale and no linearity. A categorical hyperparameter is split into one 0/1
column per level (`optimizer=adam`), so "this level against the others" is what its row says.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from healthopt.records import HEALTH_COMPONENTS, RunResults, TrialRecord
from healthopt.records.views import ImpactFinding, ImpactHeatmap

LEARNING_RATE = "learning_rate"
LEARNING_RATE_SUFFIX = "_learning_rate"  # models.search_space names each optimizer's rate so
MIN_PAIRS = 5  # below this many trials a rank correlation and its p-value mean little
SIGNIFICANCE = 0.05
STRONGEST = 8  # findings named at most

Target = Callable[[TrialRecord], "float | None"]


def _health(name: str) -> Target:
    return lambda trial: trial.health.by_name()[name]


def _positive(value: float | None) -> float | None:
    return value if value is not None and value > 0 else None


# Column name -> how a trial's value is read; None: not measured for that trial.
TARGETS: dict[str, Target] = {
    "val_accuracy": lambda trial: trial.metrics.val_accuracy,
    **{name: _health(name) for name in HEALTH_COMPONENTS},
    "fit_seconds": lambda trial: trial.timings.get("fit_seconds"),
    # 0 is the record's default for "not counted", never a real model's size.
    "num_parameters": lambda trial: _positive(float(trial.num_parameters)),
}


def learning_rate_of(params: dict[str, Any]) -> float | None:
    """A trial's learning rate whatever the optimizer: the search space names it
    `<optimizer>_learning_rate`, so each trial has exactly one of several conditional params."""
    optimizer = params.get("optimizer")
    for name in (LEARNING_RATE, f"{optimizer}{LEARNING_RATE_SUFFIX}"):
        value = params.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    rates = [
        float(v)
        for k, v in params.items()
        if k.endswith(LEARNING_RATE_SUFFIX)
        and isinstance(v, (int, float))
        and not isinstance(v, bool)
    ]
    return rates[0] if len(rates) == 1 else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class ParamColumn:
    """One heatmap row: a numeric or ordinal hyperparameter, or one level of a categorical
    one as 0/1; `level` is that level, None for a numeric column."""

    name: str
    values: tuple[float | None, ...]
    level: str | None = None


def param_columns(trials: Sequence[TrialRecord]) -> tuple[list[ParamColumn], list[str]]:
    """The heatmap's rows over `trials`, and notes on what was left out and why."""
    names: list[str] = []
    for trial in trials:
        names.extend(name for name in trial.params if name not in names)
    columns: list[ParamColumn] = []
    notes: list[str] = []
    for name in names:
        raw = [trial.params.get(name) for trial in trials]
        present = [v for v in raw if v is not None]
        if all(isinstance(v, bool) or _is_number(v) for v in present):
            columns.append(ParamColumn(name, tuple(_numeric(v) for v in raw)))
            continue
        levels = sorted({str(v) for v in present})
        if len(levels) < 2:
            notes.append(f"{name} is left out: every trial had {levels[0] if levels else None!r}")
            continue
        for level in levels:
            values = tuple(None if v is None else float(str(v) == level) for v in raw)
            columns.append(ParamColumn(f"{name}={level}", values, level))
    if LEARNING_RATE not in names:
        rates = tuple(learning_rate_of(trial.params) for trial in trials)
        if sum(r is not None for r in rates) >= 2:
            columns.append(ParamColumn(LEARNING_RATE, rates))
            notes.append(
                "learning_rate is each trial's <optimizer>_learning_rate under one name, so the "
                "rate is compared across optimizers too"
            )
    return columns, notes


def _numeric(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Correlation:
    rho: float | None
    p_value: float | None
    n: int


def spearman(xs: Sequence[float | None], ys: Sequence[float | None]) -> Correlation:
    """Spearman's rho and its two-sided p-value over the pairs where both are measured;
    None for both when there are fewer than MIN_PAIRS pairs or one side is constant."""
    from scipy.stats import spearmanr

    pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if x is not None and y is not None]
    n = len(pairs)
    if n < MIN_PAIRS or len({x for x, _ in pairs}) < 2 or len({y for _, y in pairs}) < 2:
        return Correlation(None, None, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # near-constant input: the nan below says enough
        result = spearmanr([x for x, _ in pairs], [y for _, y in pairs])
    rho, p_value = float(result.statistic), float(result.pvalue)
    if not (math.isfinite(rho) and math.isfinite(p_value)):
        return Correlation(None, None, n)
    return Correlation(rho, p_value, n)


def impact_heatmap(results: RunResults) -> ImpactHeatmap | None:
    """The run's heatmap over its complete trials; None when fewer than MIN_PAIRS completed."""
    trials = [trial for trial in results.trials if trial.complete]
    if len(trials) < MIN_PAIRS:
        return None
    columns, notes = param_columns(trials)
    targets = list(TARGETS)
    target_values = {
        name: [_numeric(read(trial)) for trial in trials] for name, read in TARGETS.items()
    }
    cells = [
        [spearman(column.values, target_values[target]) for target in targets] for column in columns
    ]
    unmeasured = [name for name, values in target_values.items() if all(v is None for v in values)]
    if unmeasured:
        notes.append(f"not measured in any complete trial: {', '.join(unmeasured)}")
    return ImpactHeatmap(
        method="spearman",
        params=[column.name for column in columns],
        targets=targets,
        rho=[[cell.rho for cell in row] for row in cells],
        p_values=[[cell.p_value for cell in row] for row in cells],
        n=[[cell.n for cell in row] for row in cells],
        strongest=_strongest(columns, targets, cells),
        notes=notes,
    )


def _strongest(
    columns: Sequence[ParamColumn], targets: Sequence[str], cells: Sequence[Sequence[Correlation]]
) -> list[ImpactFinding]:
    found = [
        (column, target, cell)
        for column, row in zip(columns, cells, strict=True)
        for target, cell in zip(targets, row, strict=True)
        if cell.rho is not None and cell.p_value is not None and cell.p_value < SIGNIFICANCE
    ]
    found.sort(key=lambda item: (-abs(item[2].rho or 0.0), item[2].p_value or 0.0))
    return [
        ImpactFinding(
            param=column.name,
            target=target,
            rho=cell.rho,
            p_value=cell.p_value,
            n=cell.n,
            description=describe(column, target, cell),
        )
        for column, target, cell in found[:STRONGEST]
        if cell.rho is not None and cell.p_value is not None
    ]


def describe(column: ParamColumn, target: str, cell: Correlation) -> str:
    """One finding in words: "higher adam_learning_rate goes with lower neuron_utilization,
    rho=-0.71, p=0.003, n=18"."""
    assert cell.rho is not None and cell.p_value is not None
    direction = "higher" if cell.rho > 0 else "lower"
    subject = column.name if column.level is not None else f"higher {column.name}"
    p_text = "p<0.0001" if cell.p_value < 1e-4 else f"p={cell.p_value:.2g}"
    return f"{subject} goes with {direction} {target}, rho={cell.rho:.2f}, {p_text}, n={cell.n}"


def heatmap_figure(heatmap: ImpactHeatmap) -> Any:
    """The heatmap as a plotly figure: rho coloured from -1 to 1, p and n on hover; a blank
    cell had too few trials or a constant side."""
    import plotly.graph_objects as go

    text = [["" if rho is None else f"{rho:.2f}" for rho in row] for row in heatmap.rho]
    hover = [
        [
            f"{param} / {target}<br>rho={_fmt(rho)}, p={_fmt(p, '.2g')}, n={n}"
            for target, rho, p, n in zip(heatmap.targets, rhos, ps, ns, strict=True)
        ]
        for param, rhos, ps, ns in zip(
            heatmap.params, heatmap.rho, heatmap.p_values, heatmap.n, strict=True
        )
    ]
    figure = go.Figure(
        go.Heatmap(
            z=heatmap.rho,
            x=heatmap.targets,
            y=heatmap.params,
            zmin=-1.0,
            zmax=1.0,
            colorscale="RdBu",
            colorbar={"title": {"text": "Spearman rho"}},
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hoverinfo="text",
        )
    )
    figure.update_layout(
        title="Hyperparameter impact (Spearman rank correlation)",
        xaxis={"title": {"text": "target"}},
        yaxis={"title": {"text": "hyperparameter"}, "autorange": "reversed"},
        height=max(360, 28 * len(heatmap.params) + 160),
    )
    return figure


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)
