"""Text of the study report: numbers, p-values and table rows as the PDF prints them.

Kept apart from the layout so every rule (how a p-value or an accuracy difference reads, what
a missing value shows) is pure, testable string formatting. Every formatter accepts None and
non-finite numbers and prints "n/a" rather than failing, because results.json holds null
wherever a module could not measure something. The rows read the typed records of
`records.study`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

from healthopt.records import Mode, ScoringWeightsRecord
from healthopt.records.study import (
    ExecutiveRow,
    HypothesisTest,
    ModeComparison,
    RunRecord,
    SelectedModel,
    StudyResults,
    StudyTest,
)
from healthopt.records.trial import ParamValue
from healthopt.study.config import MODE_LABELS
from healthopt.study.stats import ALPHA

NA = "n/a"
STUDY_COLUMNS = ["Metric", *MODE_LABELS.values(), "Difference", "p", "Significant"]
APPENDIX_COLUMNS = [
    "Module",
    "Metric / test",
    "n",
    "Difference [95% CI]",
    "Effect size",
    "Test",
    "statistic",
    "p",
]
BEST_MODEL_COLUMNS = [
    "Mode",
    "Model",
    "Val",
    "Test",
    "Holdout",
    "Health",
    "Parameters",
    "Hyperparameters",
]
RUN_COLUMNS = [
    "Run",
    "Index / component",
    "Seed",
    "Status",
    "Val",
    "Test",
    "Health",
    "Total score",
    "Parameters",
]


def escape(text: Any) -> str:
    """Text safe inside reportlab Paragraph markup (&, <, > are markup there)."""
    return _xml_escape(NA if text is None else str(text))


def _number(value: Any) -> float | None:
    """A finite float, or None for None, bools, non-numbers and NaN/inf."""
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def fmt_number(value: Any) -> str:
    """Fixed decimals by magnitude, so a column of similar numbers lines up."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    x = _number(value)
    if x is None:
        return NA
    size = abs(x)
    if 0 < size < 0.001:
        return f"{x:.2e}"
    if size < 10:
        return f"{x:.3f}"
    if size < 1000:
        return f"{x:.2f}"
    return f"{x:,.0f}"


def fmt_signed(value: Any) -> str:
    """fmt_number with an explicit '+' on positive values (differences read b minus a)."""
    text = fmt_number(value)
    x = _number(value)
    return f"+{text}" if x is not None and x > 0 and not isinstance(value, bool) else text


def fmt_percent(value: Any, decimals: int = 1) -> str:
    """A fraction in [0, 1] as a percentage: 0.9123 -> '91.2%'."""
    x = _number(value)
    return NA if x is None else f"{100 * x:.{decimals}f}%"


def fmt_pp(value: Any, decimals: int = 2) -> str:
    """A difference of fractions in signed percentage points: -0.0123 -> '-1.23 pp'."""
    x = _number(value)
    if x is None:
        return NA
    points = round(100 * x, decimals)
    if points == 0:  # no '-0.00 pp' for a difference that rounds away
        return f"{0:.{decimals}f} pp"
    return f"{points:+.{decimals}f} pp"


def fmt_p(value: Any) -> str:
    """p-values as journals print them: '0.412', '< 0.001', 'n/a' when undefined."""
    x = _number(value)
    if x is None:
        return NA
    return "< 0.001" if x < 0.001 else f"{x:.3f}"


def fmt_yes_no(value: Any) -> str:
    return NA if value is None else ("yes" if value else "no")


def fmt_cell(value: Any) -> str:
    """A module table's cell: numbers formatted, strings as they are, None as n/a."""
    if value is None or isinstance(value, (bool, int, float)):
        return fmt_number(value)
    return str(value)


def fmt_ci(difference: Any, low: Any, high: Any) -> str:
    """'+0.012 [-0.010, +0.034]'; the interval is left out when it is undefined."""
    if _number(difference) is None:
        return NA
    if _number(low) is None or _number(high) is None:
        return f"{fmt_signed(difference)} [{NA}]"
    return f"{fmt_signed(difference)} [{fmt_signed(low)}, {fmt_signed(high)}]"


def fmt_params(params: Mapping[str, ParamValue]) -> str:
    """Hyperparameters as 'name=value' pairs, floats compact ('0.001', not '1.000e-03')."""
    if not params:
        return NA
    parts = []
    for name, value in params.items():
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        parts.append(f"{name}={shown}")
    return ", ".join(parts)


def fmt_weights(weights: ScoringWeightsRecord, shares: bool = True) -> str:
    """The health-aware scoring weights in one line (with the components' shares)."""
    line = (
        f"accuracy {fmt_number(weights.accuracy_weight)}, "
        f"health {fmt_number(weights.health_weight)}"
    )
    components = weights.health_components
    if shares and components:
        listed = ", ".join(f"{name} {fmt_number(w)}" for name, w in components.items())
        line += f" (health shares: {listed})"
    return line


def mode_name(mode: Mode | None) -> str:
    """An arm as people read it: "Health-aware"."""
    return NA if mode is None else MODE_LABELS[mode]


def _metric_kind(metric: str) -> str:
    """How an executive summary metric prints: accuracies in %, their gaps in pp."""
    name = metric.lower()
    if "gap" in name or "difference" in name:
        return "pp"
    return "percent" if "accuracy" in name else "number"


def summary_row(row: ExecutiveRow) -> list[str]:
    """One executive summary row as STUDY_COLUMNS cells."""
    metric = row.metric or NA
    kind = _metric_kind(metric)
    value = {"pp": fmt_pp, "percent": fmt_percent, "number": fmt_number}[kind]
    difference = fmt_signed if kind == "number" else fmt_pp
    return [
        metric,
        *(value(row.value(mode)) for mode in MODE_LABELS),
        difference(row.difference),
        fmt_p(row.p_value),
        fmt_yes_no(row.significant),
    ]


def _n(a: int | None, b: int | None, paired: bool) -> str:
    if paired and a is not None:
        return f"{a} pair{'' if a == 1 else 's'}"
    return f"{NA if a is None else a} / {NA if b is None else b}"


def _notes(*tests: HypothesisTest) -> list[str]:
    """Why a test has no p-value; approximation notes would repeat on every row, so they stay
    in results.json."""
    notes: list[str] = []
    for test in tests:
        if test.note and test.p_value is None and f"({test.note})" not in notes:
            notes.append(f"({test.note})")
    return notes


def appendix_row(module: str, record: StudyTest) -> list[str]:
    """One appendix row (APPENDIX_COLUMNS) from a comparison or a single test.

    A comparison shows its primary and secondary test on two lines of the same row, so the
    reader sees both tests next to the one difference they are about.
    """
    if isinstance(record, ModeComparison):
        tests = (record.primary, record.secondary)
        label = "\n".join([record.metric or NA, *_notes(*tests)])
        effect = record.effect_size
        return [
            module,
            label,
            _n(record.a.n, record.b.n, record.paired),
            fmt_ci(record.difference, record.ci_low, record.ci_high),
            NA if effect is None else f"{record.effect_size_name} = {fmt_signed(effect)}",
            "\n".join(t.name or NA for t in tests),
            "\n".join(fmt_number(t.statistic) for t in tests),
            "\n".join(fmt_p(t.p_value) for t in tests),
        ]
    name = record.name or NA
    statistic = fmt_number(record.statistic)
    if record.df is not None and statistic != NA:
        statistic += f" (df {fmt_number(record.df)})"
    return [
        module,
        "\n".join([name, *_notes(record)]),
        _n(record.n_a, record.n_b, paired=False),
        NA,
        NA,
        name,
        statistic,
        fmt_p(record.p_value),
    ]


def run_row(run: RunRecord) -> list[str]:
    """One optimization run as RUN_COLUMNS cells."""
    ablation = run.kind == "ablation"
    status: str = run.status
    if run.error:
        status += f": {run.error[:160]}{'...' if len(run.error) > 160 else ''}"
    index = run.component if ablation else run.index
    return [
        "Ablation" if ablation else mode_name(run.mode),
        NA if index is None else str(index),
        str(run.seed),
        status,
        fmt_percent(run.val_accuracy),
        fmt_percent(run.test_accuracy),
        fmt_number(run.health_score),
        fmt_number(run.total_score),
        fmt_number(run.num_parameters),
    ]


def fmt_date(value: Any) -> str:
    """An ISO timestamp as '2025-01-02 10:30 UTC'; anything else as it is."""
    if not value:
        return NA
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    zone = f" {moment.tzname()}" if moment.tzinfo else ""
    return f"{moment:%Y-%m-%d %H:%M}{zone}"


def title_lines(results: StudyResults) -> list[tuple[str, str]]:
    """(label, value) lines under the report's title."""
    config = results.config
    return [
        ("Dataset", results.dataset or config.dataset_name or NA),
        ("Study id", results.study_id or config.study_id or NA),
        ("Date", fmt_date(results.generated_at)),
        (
            "Configuration",
            f"{fmt_number(config.runs_per_mode)} runs per mode, "
            f"{fmt_number(config.trials_per_run)} trials per run, at most "
            f"{fmt_number(config.max_epochs_per_trial)} epochs per trial; "
            f"health-aware weights: {fmt_weights(config.health_weights, shares=False)}",
        ),
    ]


def best_model_row(mode: Mode, model: SelectedModel) -> list[str]:
    """A mode's selected model as BEST_MODEL_COLUMNS cells."""
    return [
        mode_name(mode),
        model.label or NA,
        fmt_percent(model.val_accuracy),
        fmt_percent(model.test_accuracy),
        fmt_percent(model.holdout_accuracy),
        fmt_number(model.health_score),
        fmt_number(model.num_parameters),
        fmt_params(model.params),
    ]


def method_items(results: StudyResults) -> list[str]:
    """The Method section's bullets, from the study's config and design."""
    config, design = results.config, results.design
    sizes = design.split_sizes
    splits = ", ".join(f"{name} {fmt_number(n)}" for name, n in sizes.items()) or NA
    completed = design.completed_runs
    done = ", ".join(f"{mode_name(m)} {fmt_number(n)}" for m, n in completed.items()) or NA
    if design.paired:
        pairing = "run i of both modes uses the same seed, so the runs are compared as pairs"
    else:
        pairing = "the runs are compared as independent samples"
    modules = [
        (m.title or name) + ("" if m.available else " (not available)")
        for name, m in results.modules.items()
    ]
    seconds = results.timings.get("analysis_seconds")
    return [
        f"Data splits (samples): {splits}; split seed {fmt_number(config.split_seed)}, "
        "the same for every run. Trials train on the training split and are scored on "
        "validation; the holdout split is never read during optimization and is used only by "
        "the analysis.",
        f"{fmt_number(config.runs_per_mode or design.runs_per_mode)} "
        f"optimization runs per mode (completed: {done}); {pairing}.",
        f"Each run: {fmt_number(config.trials_per_run)} trials of at most "
        f"{fmt_number(config.max_epochs_per_trial)} epochs. {design.search}",
        f"Model selection: {design.selection or NA}",
        "Scoring: accuracy-only scores validation accuracy alone; health-aware scores "
        f"{fmt_weights(config.health_weights)}.",
        f"Statistics: {design.tests or NA} Two-sided tests at significance level alpha = {ALPHA}.",
        f"Analysis modules run: {', '.join(modules) if modules else 'none'}"
        + (f" (analysis took {fmt_number(seconds)} s)." if seconds is not None else "."),
    ]
