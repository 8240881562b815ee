"""Calibration: does a mode's model know when it is wrong?

Accuracy alone says nothing about the confidence behind a prediction; a health-aware search
might favour models whose probabilities can be trusted. Every completed run's model is scored
on the holdout (ECE over 10 bins, Brier score, confidence separation), the two modes are
compared across runs, and the two selected models are drawn as reliability diagrams and as
confidence histograms of their right and wrong predictions.
"""

from __future__ import annotations

import numpy as np

from healthopt.analysis.calibration import analyze_calibration
from healthopt.analysis.files import ReliabilityBinEntry
from healthopt.records import Finite, Mode, Record
from healthopt.records.study import ArmMode, ModuleData, ModuleOutcome, ResultFigure, ResultTable
from healthopt.study import stats
from healthopt.study.config import STUDY_MODES
from healthopt.study.context import AnalysisContext, ModelUnderTest
from healthopt.study.figures import mode_color, mode_label, save
from healthopt.study.modules.across_runs import (
    COMPARISON_TEST_COLUMNS,
    comparison_rows,
    describe,
    metric_values,
)

NAME = "calibration"
TITLE = "Calibration"
N_BINS = 10
A, B = STUDY_MODES  # accuracy-only, health-aware
# metric -> (title, which direction is better)
METRICS = {
    "ece": ("ECE", "lower"),
    "brier": ("Brier score", "lower"),
    "separation": ("Confidence separation", "higher"),
}


class ModelCalibration(Record):
    """One model's calibration on the holdout; `separation` is None without errors."""

    label: str
    mode: ArmMode
    index: int
    ece: float
    brier: float
    mean_confidence: float
    accuracy: float
    separation: Finite
    num_errors: int
    bins: list[ReliabilityBinEntry]  # the analyzer's own bin record, as analysis.json has it


class CalibrationData(ModuleData):
    n_bins: int
    holdout_size: int
    paired: bool
    models: dict[ArmMode, list[ModelCalibration]]
    selected: dict[ArmMode, ModelCalibration]
    separation_undefined: list[str]  # labels of models without errors
    values_left_out: dict[str, bool]  # metric -> some model had no value


def confidence_separation(confidence: np.ndarray, correct: np.ndarray) -> float | None:
    """Mean confidence of correct predictions minus that of incorrect ones; None when either
    group is empty (a model without errors has no wrong predictions to be unsure of)."""
    correct = np.asarray(correct, dtype=bool)
    if correct.all() or not correct.any():
        return None
    return float(confidence[correct].mean() - confidence[~correct].mean())


def measure(mut: ModelUnderTest, probs: np.ndarray, y: np.ndarray) -> ModelCalibration:
    report = analyze_calibration(probs, y, N_BINS)
    correct = probs.argmax(axis=1) == y
    return ModelCalibration(
        label=mut.label,
        mode=mut.mode,
        index=mut.index,
        ece=report.ece,
        brier=report.brier,
        mean_confidence=report.mean_confidence,
        accuracy=report.accuracy,
        separation=confidence_separation(report.confidences, correct),
        num_errors=int((~correct).sum()),
        bins=[b.to_json() for b in report.bins],
    )


def run(context: AnalysisContext) -> ModuleOutcome:
    if not context.comparable:
        return ModuleOutcome.unavailable(
            NAME, TITLE, "calibration needs a completed model in both modes"
        )
    y = np.asarray(context.dataset.holdout.y, dtype=np.int64)
    per_mode = {
        mode: [measure(m, context.holdout_probabilities(m), y) for m in context.models[mode]]
        for mode in context.modes
    }
    comparisons: dict[str, stats.Comparison] = {}
    dropped: dict[str, bool] = {}
    for metric in METRICS:
        a, b, dropped[metric] = metric_values(per_mode, metric, context.paired)
        comparisons[metric] = stats.compare(metric, a, b, paired=context.paired)
    best = {mode: _selected(per_mode[mode], context.best[mode]) for mode in context.modes}

    figures = [
        _reliability_figure(context, best),
        _confidence_figure(context, {mode: context.best[mode] for mode in context.modes}, y),
    ]
    no_errors = [m.label for ms in per_mode.values() for m in ms if m.separation is None]
    return ModuleOutcome(
        name=NAME,
        title=TITLE,
        summary=_summary(best, comparisons, no_errors, len(y)),
        data=CalibrationData(
            n_bins=N_BINS,
            holdout_size=int(len(y)),
            paired=context.paired,
            models=per_mode,
            selected={mode: best[mode] for mode in context.modes},
            separation_undefined=no_errors,
            values_left_out=dropped,
        ),
        tables=[_comparison_table(comparisons, dropped), _selected_table(best)],
        figures=figures,
        tests=[c.record() for c in comparisons.values()],
    )


def _selected(measured: list[ModelCalibration], mut: ModelUnderTest | None) -> ModelCalibration:
    assert mut is not None  # context.comparable checked it
    return next(m for m in measured if m.index == mut.index)


def _summary(
    best: dict[Mode, ModelCalibration],
    comparisons: dict[str, stats.Comparison],
    no_errors: list[str],
    n: int,
) -> list[str]:
    a, b = best[A], best[B]
    lines = [
        f"On the {n} holdout samples the selected accuracy-only model has ECE {a.ece:.4f} "
        f"(Brier {a.brier:.4f}, mean confidence {a.mean_confidence:.3f}) and the selected "
        f"health-aware model ECE {b.ece:.4f} (Brier {b.brier:.4f}, mean confidence "
        f"{b.mean_confidence:.3f}); lower is better for both."
    ]
    lines += [describe(comparisons[m], title, better) for m, (title, better) in METRICS.items()]
    if no_errors:
        lines.append(
            f"Confidence separation is undefined for {', '.join(no_errors)}: it made no error "
            "on the holdout, so it is left out of that comparison."
        )
    return lines


def _comparison_table(
    comparisons: dict[str, stats.Comparison], dropped: dict[str, bool]
) -> ResultTable:
    rows = comparison_rows(comparisons, METRICS)
    note = (
        f"ECE over {N_BINS} equal-width confidence bins; separation = mean confidence of "
        "correct minus incorrect predictions (higher: the model is less sure when wrong)."
    )
    if any(dropped.values()):
        note += " Models without errors are left out of the separation comparison."
    return ResultTable(
        title="Calibration across runs (holdout)",
        columns=COMPARISON_TEST_COLUMNS,
        rows=rows,
        note=note,
    )


def _selected_table(best: dict[Mode, ModelCalibration]) -> ResultTable:
    return ResultTable(
        title="Selected models' calibration (holdout)",
        columns=["Model", "Accuracy", "ECE", "Brier", "Mean confidence", "Separation"],
        rows=[
            [m.label, m.accuracy, m.ece, m.brier, m.mean_confidence, m.separation]
            for m in best.values()
        ],
    )


def _reliability_figure(
    context: AnalysisContext, best: dict[Mode, ModelCalibration]
) -> ResultFigure:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), sharey=True)
    width = 1.0 / N_BINS
    for ax, mode in zip(axes, context.modes, strict=True):
        m = best[mode]
        filled = [b for b in m.bins if b.count]
        lowers = [b.lower for b in filled]
        ax.bar(
            lowers,
            [b.accuracy or 0.0 for b in filled],
            width=width,
            align="edge",
            color=mode_color(mode),
            edgecolor="black",
            alpha=0.8,
            label="accuracy in bin",
        )
        ax.plot([0, 1], [0, 1], "k--", linewidth=1, label="perfect calibration (y = x)")
        ax.plot(
            [b.mean_confidence or 0.0 for b in filled],
            [b.accuracy or 0.0 for b in filled],
            "o",
            color="black",
            markersize=4,
            label="bin mean confidence",
        )
        for b in filled:
            ax.text(
                b.lower + width / 2,
                (b.accuracy or 0.0) + 0.025,
                str(b.count),
                ha="center",
                va="bottom",
                fontsize=9,
            )
        ax.set(xlim=(0, 1), ylim=(0, 1.12), xlabel="Confidence")
        ax.set_title(f"{mode_label(mode)}, run {m.index}: ECE {m.ece:.3f}", fontsize=10)
    axes[0].set_ylabel("Accuracy")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, bbox_to_anchor=(0.5, -0.06))
    path = save(fig, context.figure_path("calibration_reliability.png"))
    return ResultFigure(
        path=context.relative(path),
        caption=f"Reliability diagrams of the two selected models on the holdout ({N_BINS} "
        "confidence bins; the number above a bar is its sample count). Bars below the diagonal "
        "mean overconfidence, above it underconfidence.",
    )


def _confidence_figure(
    context: AnalysisContext, best: dict[Mode, ModelUnderTest | None], y: np.ndarray
) -> ResultFigure:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    edges = np.linspace(0.0, 1.0, 21)
    for ax, mode in zip(axes, context.modes, strict=True):
        mut = best[mode]
        assert mut is not None
        probs = context.holdout_probabilities(mut)
        conf = probs.max(axis=1)
        correct = probs.argmax(axis=1) == y
        for mask, name, color in (
            (correct, "correct", mode_color(mode)),
            (~correct, "incorrect", "#444444"),
        ):
            if mask.any():
                ax.hist(
                    conf[mask],
                    bins=edges,
                    density=True,
                    alpha=0.6,
                    color=color,
                    label=f"{name} (n = {int(mask.sum())})",
                )
        ax.set(xlabel="Confidence (top-class probability)", ylabel="Density")
        ax.set_title(f"{mode_label(mode)}, run {mut.index}", fontsize=10)
        ax.legend(loc="upper left", fontsize=9)
    path = save(fig, context.figure_path("calibration_confidence.png"))
    return ResultFigure(
        path=context.relative(path),
        caption="Confidence of the two selected models' correct and incorrect holdout predictions "
        "(each histogram normalized to unit area); a well-separated model is less confident "
        "when it is wrong.",
    )
