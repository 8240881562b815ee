"""Failure cases: where the two selected models disagree, and how bad their mistakes are.

Two models of equal accuracy can fail on different samples. The selected models' holdout
predictions are sorted into agreement categories, the disagreements tested with the exact
McNemar test, and samples of each kind of error shown (images) or listed (text). Where the
classes fall into semantic groups (seed 002), a mistake inside a group (a cat for a dog)
counts as milder than one across groups (a cat for a truck).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from healthopt.records import Finite, Mode, Record
from healthopt.records.study import (
    ArmMode,
    HypothesisTest,
    ModuleData,
    ModuleOutcome,
    ResultFigure,
    ResultTable,
    StudyTest,
)
from healthopt.study import stats
from healthopt.study.config import STUDY_MODES
from healthopt.study.context import AnalysisContext
from healthopt.study.figures import mode_label, save
from healthopt.study.modules.across_runs import COMPARISON_TEST_COLUMNS, comparison_rows, describe

NAME = "failure_cases"
TITLE = "Failure cases"
A, B = STUDY_MODES  # accuracy-only, health-aware
CATEGORIES = (
    "both_right",
    "both_wrong_same",
    "both_wrong_different",
    "only_accuracy_only_right",
    "only_health_aware_right",
)
# The error kinds shown as samples: "both_wrong" joins the two both-wrong categories.
SAMPLE_KINDS = {
    "both_wrong": "Both wrong",
    "only_accuracy_only_right": "Only accuracy-only right",
    "only_health_aware_right": "Only health-aware right",
}
SAMPLES_PER_KIND = 8
# Registered dataset name -> group name -> its classes (every class in exactly one group).
SEMANTIC_GROUPS: dict[str, dict[str, tuple[int, ...]]] = {
    "cifar10": {"animals": (2, 3, 4, 5, 6, 7), "vehicles": (0, 1, 8, 9)},
    "fashion_mnist": {"tops": (0, 2, 4, 6), "footwear": (5, 7, 9), "other": (1, 3, 8)},
}
# metric -> (title, which direction is better)
SEVERITY_METRICS = {
    "mean_severity": ("Mean error severity over all samples", "lower"),
    "mean_severity_of_errors": ("Mean severity of errors", "lower"),
}


class Severity(Record):
    """How bad one model's holdout errors are (see `error_severity`)."""

    mean_severity: Finite
    mean_severity_of_errors: Finite  # None without errors
    errors: int
    within_group_errors: int
    across_group_errors: int


class ModelSeverity(Record):
    """One model's `Severity`, named."""

    label: str
    index: int
    mean_severity: Finite
    mean_severity_of_errors: Finite
    errors: int
    within_group_errors: int
    across_group_errors: int


class SeverityMeasured(Record):
    measured: Literal[True] = True
    groups: dict[str, list[int]]
    models: dict[ArmMode, list[ModelSeverity]]
    selected: dict[ArmMode, ModelSeverity]


class SeverityNotMeasured(Record):
    """No semantic groups are known for the dataset."""

    measured: Literal[False] = False
    reason: str


class FailureCasesData(ModuleData):
    holdout_size: int
    selected: dict[ArmMode, str]  # each mode's selected model label
    counts: dict[str, int]  # per CATEGORIES entry
    fractions: dict[str, float]
    mcnemar: HypothesisTest
    samples: dict[str, list[int]]  # per SAMPLE_KINDS entry: holdout indices shown
    severity: SeverityMeasured | SeverityNotMeasured


def categorize(y: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray) -> dict[str, np.ndarray]:
    """A boolean mask per category of CATEGORIES; every sample is in exactly one."""
    right_a, right_b = pred_a == y, pred_b == y
    both_wrong = ~right_a & ~right_b
    return {
        "both_right": right_a & right_b,
        "both_wrong_same": both_wrong & (pred_a == pred_b),
        "both_wrong_different": both_wrong & (pred_a != pred_b),
        "only_accuracy_only_right": right_a & ~right_b,
        "only_health_aware_right": ~right_a & right_b,
    }


def error_severity(
    y: np.ndarray, pred: np.ndarray, groups: dict[str, tuple[int, ...]]
) -> np.ndarray:
    """Per sample: 0 correct, 1 wrong inside the true class's group, 2 wrong across groups.
    A class in no group is a group of its own, so any error involving it counts as 2."""
    y, pred = np.asarray(y, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    group_of: dict[int, int] = {c: g for g, classes in enumerate(groups.values()) for c in classes}
    own = len(groups)

    def group(c: int) -> int:
        return group_of.get(c, own + c)

    same = np.array([group(int(t)) == group(int(p)) for t, p in zip(y, pred, strict=True)])
    severity = np.where(same, 1, 2)
    severity[y == pred] = 0
    return severity.astype(np.int64)


def severity_summary(severity: np.ndarray) -> Severity:
    errors = severity[severity > 0]
    return Severity(
        mean_severity=float(severity.mean()) if severity.size else None,
        mean_severity_of_errors=float(errors.mean()) if errors.size else None,
        errors=int(errors.size),
        within_group_errors=int(np.sum(severity == 1)),
        across_group_errors=int(np.sum(severity == 2)),
    )


def run(context: AnalysisContext) -> ModuleOutcome:
    best_a, best_b = context.best[A], context.best[B]
    if best_a is None or best_b is None:
        return ModuleOutcome.unavailable(
            NAME, TITLE, "failure cases need a completed model in both modes"
        )
    holdout = context.dataset.holdout
    y = np.asarray(holdout.y, dtype=np.int64)
    pred = {
        A: context.holdout_probabilities(best_a).argmax(axis=1),
        B: context.holdout_probabilities(best_b).argmax(axis=1),
    }
    masks = categorize(y, pred[A], pred[B])
    n = len(y)
    counts = {name: int(mask.sum()) for name, mask in masks.items()}
    fractions = {name: counts[name] / n if n else 0.0 for name in CATEGORIES}
    mcnemar = stats.mcnemar_exact(pred[A] == y, pred[B] == y)
    samples = _choose_samples(masks, context.seed)

    tables = [_category_table(counts, fractions)]
    figures: list[ResultFigure] = []
    if context.dataset.modality == "image":
        figures.append(_sample_figure(context, samples, y, pred))
    else:
        tables += _sample_tables(samples, holdout.x, y, pred, context.dataset.modality)
    summary = _summary(counts, fractions, n, mcnemar)
    tests: list[StudyTest] = [mcnemar.record()]

    groups = SEMANTIC_GROUPS.get(context.dataset.name)
    severity: SeverityMeasured | SeverityNotMeasured
    if groups is None:
        reason = (
            f"Error severity is not measured: no semantic groups are defined for dataset "
            f"{context.dataset.name!r}."
        )
        severity = SeverityNotMeasured(reason=reason)
        summary.append(reason)
    else:
        severity, comparisons = _severity(context, groups, y)
        tests += [c.record() for c in comparisons.values()]
        tables.append(_severity_table(comparisons))
        sel = severity.selected
        summary.append(
            f"Error severity (0 right, 1 wrong within a semantic group, 2 across groups): "
            f"the selected models' mean severity of errors is "
            f"{_fmt(sel[A].mean_severity_of_errors)} (accuracy-only) and "
            f"{_fmt(sel[B].mean_severity_of_errors)} (health-aware)."
        )
        summary.append(
            describe(
                comparisons["mean_severity_of_errors"], *SEVERITY_METRICS["mean_severity_of_errors"]
            )
        )
    data = FailureCasesData(
        holdout_size=n,
        selected={A: best_a.label, B: best_b.label},
        counts=counts,
        fractions=fractions,
        mcnemar=mcnemar.record(),
        samples={kind: idx.tolist() for kind, idx in samples.items()},
        severity=severity,
    )
    return ModuleOutcome(
        name=NAME,
        title=TITLE,
        summary=summary,
        data=data,
        tables=tables,
        figures=figures,
        tests=tests,
    )


def _fmt(value: float | None) -> str:
    return "undefined (no errors)" if value is None else f"{value:.3f}"


def _choose_samples(masks: dict[str, np.ndarray], seed: int) -> dict[str, np.ndarray]:
    """Up to SAMPLES_PER_KIND holdout indices per error kind, chosen reproducibly."""
    rng = np.random.default_rng(seed)
    pools = {
        "both_wrong": masks["both_wrong_same"] | masks["both_wrong_different"],
        "only_accuracy_only_right": masks["only_accuracy_only_right"],
        "only_health_aware_right": masks["only_health_aware_right"],
    }
    chosen = {}
    for kind, mask in pools.items():
        pool = np.flatnonzero(mask)
        size = min(SAMPLES_PER_KIND, pool.size)
        chosen[kind] = np.sort(rng.choice(pool, size=size, replace=False)).astype(np.int64)
    return chosen


def _severity(
    context: AnalysisContext, groups: dict[str, tuple[int, ...]], y: np.ndarray
) -> tuple[SeverityMeasured, dict[str, stats.Comparison]]:
    per_mode = {
        mode: [
            ModelSeverity(
                label=m.label,
                index=m.index,
                **severity_summary(
                    error_severity(y, context.holdout_probabilities(m).argmax(axis=1), groups)
                ).model_dump(),
            )
            for m in context.models[mode]
        ]
        for mode in context.modes
    }
    comparisons = {}
    for metric in SEVERITY_METRICS:
        a: dict[int, float | None] = {r.index: getattr(r, metric) for r in per_mode[A]}
        b: dict[int, float | None] = {r.index: getattr(r, metric) for r in per_mode[B]}
        if context.paired:  # a model without errors has no error severity: drop its pair
            keep = [i for i in sorted(a) if a[i] is not None and b.get(i) is not None]
            xs, ys = [a[i] for i in keep], [b[i] for i in keep]
        else:
            xs = [v for v in a.values() if v is not None]
            ys = [v for v in b.values() if v is not None]
        comparisons[metric] = stats.compare(metric, xs, ys, paired=context.paired)
    selected = {}
    for mode in context.modes:
        mut = context.best[mode]
        assert mut is not None
        selected[mode] = next(r for r in per_mode[mode] if r.index == mut.index)
    severity = SeverityMeasured(
        groups={name: list(classes) for name, classes in groups.items()},
        models=per_mode,
        selected=selected,
    )
    return severity, comparisons


def _summary(
    counts: dict[str, int], fractions: dict[str, float], n: int, mcnemar: stats.TestResult
) -> list[str]:
    def part(name: str) -> str:
        return f"{counts[name]} ({fractions[name]:.1%})"

    wrong = counts["both_wrong_same"] + counts["both_wrong_different"]
    only_a, only_b = counts["only_accuracy_only_right"], counts["only_health_aware_right"]
    p = mcnemar.p_value
    if mcnemar.significant:
        ahead = "health-aware" if only_b > only_a else "accuracy-only"
        reading = f"where they disagree the {ahead} model is right significantly more often"
    else:
        reading = "no significant difference between the selected models"
    p_text = f"p = {p:.3g}" if p is not None else f"p undefined: {mcnemar.note}"
    return [
        f"Of the {n} holdout samples both selected models classify {part('both_right')} "
        f"correctly and both misclassify {wrong} ({counts['both_wrong_same']} with the same "
        f"wrong label, {counts['both_wrong_different']} with different ones).",
        f"Only the accuracy-only model is right on {part('only_accuracy_only_right')} samples "
        f"and only the health-aware model on {part('only_health_aware_right')}; exact McNemar "
        f"test: {reading} ({p_text}).",
    ]


def _category_table(counts: dict[str, int], fractions: dict[str, float]) -> ResultTable:
    titles = {
        "both_right": "Both right",
        "both_wrong_same": "Both wrong, same label",
        "both_wrong_different": "Both wrong, different labels",
        "only_accuracy_only_right": "Only accuracy-only right",
        "only_health_aware_right": "Only health-aware right",
    }
    return ResultTable(
        title="Agreement of the selected models on the holdout",
        columns=["Category", "Samples", "Fraction"],
        rows=[[titles[name], counts[name], fractions[name]] for name in CATEGORIES],
    )


def _sample_tables(
    samples: dict[str, np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    pred: dict[Mode, np.ndarray],
    modality: str,
) -> list[ResultTable]:
    """Sample rows per category: a text's token count, or a tabular row's first features."""
    text = modality == "text"
    tables = []
    for kind, title in SAMPLE_KINDS.items():
        idx = samples[kind]
        if not idx.size:
            continue
        if text:
            described: list[int | str] = [int(t) for t in np.count_nonzero(x[idx], axis=1)]
        else:
            described = [_first_features(x[i]) for i in idx]
        tables.append(
            ResultTable(
                title=f"Sample holdout {'texts' if text else 'rows'}: {title.lower()}",
                columns=[
                    "Holdout index",
                    "True label",
                    "Accuracy-only prediction",
                    "Health-aware prediction",
                    "Tokens" if text else "Features",
                ],
                rows=[
                    [int(i), int(y[i]), int(pred[A][i]), int(pred[B][i]), d]
                    for i, d in zip(idx, described, strict=True)
                ],
                note=(
                    "Tokens: non-padding token ids in the sequence."
                    if text
                    else f"Features: the first {_SHOWN_FEATURES} values of the row."
                ),
            )
        )
    return tables


_SHOWN_FEATURES = 4


def _first_features(row: np.ndarray) -> str:
    values = np.ravel(row)
    shown = ", ".join(f"{v:.3g}" for v in values[:_SHOWN_FEATURES])
    return shown + (", ..." if values.size > _SHOWN_FEATURES else "")


def _sample_figure(
    context: AnalysisContext,
    samples: dict[str, np.ndarray],
    y: np.ndarray,
    pred: dict[Mode, np.ndarray],
) -> ResultFigure:
    import matplotlib.pyplot as plt

    x = context.dataset.holdout.x
    rows = len(SAMPLE_KINDS)
    fig, axes = plt.subplots(rows, SAMPLES_PER_KIND, figsize=(10, 7), squeeze=False)
    for row, (kind, title) in enumerate(SAMPLE_KINDS.items()):
        idx = samples[kind]
        for col, ax in enumerate(axes[row]):
            ax.set_xticks([])
            ax.set_yticks([])
            if col >= idx.size:
                ax.axis("off")
                continue
            i = int(idx[col])
            image = np.clip(np.asarray(x[i], dtype=np.float32), 0.0, 1.0)
            if image.ndim == 3 and image.shape[-1] == 1:
                ax.imshow(image[..., 0], cmap="gray", vmin=0.0, vmax=1.0)
            else:
                ax.imshow(image)
            ax.set_title(f"true {y[i]}\nAO {pred[A][i]} | HA {pred[B][i]}", fontsize=9)
        first = axes[row][0]
        if not idx.size:
            first.axis("on")
            first.set_frame_on(False)
            first.text(0.0, 0.5, "no samples", fontsize=9, va="center")
        first.set_ylabel(title, fontsize=9)
    fig.suptitle(
        f"Holdout samples: AO = {mode_label(A)}, HA = {mode_label(B)} prediction", fontsize=10
    )
    path = save(fig, context.figure_path("failure_cases_samples.png"))
    return ResultFigure(
        path=context.relative(path),
        caption=f"Up to {SAMPLES_PER_KIND} holdout images per kind of error (rows), chosen at "
        "random with the study's seed; each is titled with its true label and the two selected "
        "models' predictions.",
    )


def _severity_table(comparisons: dict[str, stats.Comparison]) -> ResultTable:
    return ResultTable(
        title="Error severity across runs (holdout)",
        columns=COMPARISON_TEST_COLUMNS,
        rows=comparison_rows(comparisons, SEVERITY_METRICS),
        note="Severity 0: right; 1: wrong within the true class's semantic group; "
        "2: wrong across groups. Lower is better.",
    )
