"""What the model predicts on validation data: confusion, per-class scores, calibration, samples.

All read the validation probabilities and labels in plot_inputs.npz; the reliability diagram
falls back to the analyzer's bins in analysis.json when the arrays are missing.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np

from healthopt.analysis.calibration import ReliabilityBin
from healthopt.plots import style
from healthopt.plots.inputs import PlotInputs
from healthopt.plots.trial.common import panels, require, thin_ticks
from healthopt.plots.trial.sources import MissingInput, TrialData

CALIBRATION_BINS = 15
_ANNOTATE_CLASSES = 12


def _class_names(inputs: PlotInputs, classes: int) -> list[str]:
    names = list(inputs.class_names)
    return names if len(names) == classes else [str(i) for i in range(classes)]


def confusion_counts(
    labels: np.ndarray, predicted: np.ndarray, classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """(counts[true, predicted], the same divided by each true class's size; 0 for none)."""
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (labels, predicted), 1)
    totals = counts.sum(axis=1, keepdims=True)
    return counts, np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)


def confusion_matrix(data: TrialData, path: Path, dpi: int) -> Path:
    """Validation confusion matrix as counts and as row-normalised recall."""
    inputs = data.inputs()
    found = data.predictions()
    labels, predicted, classes = found.labels, found.predicted, found.classes
    counts, normalised = confusion_counts(labels, predicted, classes)
    names = _class_names(inputs, classes)
    side = 5.6 if classes <= _ANNOTATE_CLASSES else min(9.0, 4.0 + 0.08 * classes)
    accuracy = float(np.trace(counts) / max(1, counts.sum()))
    fig, axes = style.figure(
        1,
        2,
        size=(2 * side + 1.6, side),
        title=f"Confusion matrix (validation, n={len(labels)}, accuracy {accuracy:.3f})",
    )
    for ax, matrix, label, fmt in (
        (panels(axes)[0], counts, "count", "{:d}"),
        (panels(axes)[1], normalised, "fraction of true class", "{:.2f}"),
    ):
        image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=None if fmt == "{:d}" else 1)
        ax.grid(False)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03).set_label(label)
        thin_ticks(ax, range(classes), names)
        thin_ticks(ax, range(classes), names, axis="y")
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title("Counts" if fmt == "{:d}" else "Normalised by true class")
        if classes <= _ANNOTATE_CLASSES:  # inside their cells: kept out of the layout
            top = matrix.max() or 1
            for (r, c), value in np.ndenumerate(matrix):
                ax.text(
                    c,
                    r,
                    fmt.format(value),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if value / top > 0.6 else "black",
                    in_layout=False,
                )
    return style.save(fig, path, dpi, crop=False)


def per_class_accuracy(data: TrialData, path: Path, dpi: int) -> Path:
    """Recall and precision per class on validation data, with the support of each class."""
    inputs = data.inputs()
    found = data.predictions()
    labels, predicted, classes = found.labels, found.predicted, found.classes
    support = np.bincount(labels, minlength=classes)
    hits = np.bincount(labels[labels == predicted], minlength=classes)
    predicted_count = np.bincount(predicted, minlength=classes)
    recall = np.divide(hits, support, out=np.full(classes, np.nan), where=support > 0)
    precision = np.divide(
        hits, predicted_count, out=np.full(classes, np.nan), where=predicted_count > 0
    )
    names = _class_names(inputs, classes)
    x = np.arange(classes)
    width = 0.4
    fig, ax = style.figure(
        size=(min(18.0, max(7.0, 0.45 * classes + 3)), 4.8), title="Per-class accuracy (validation)"
    )
    ax.bar(
        x - width / 2,
        np.nan_to_num(recall),
        width,
        color=style.VAL_COLOR,
        label="recall (accuracy)",
    )
    ax.bar(
        x + width / 2,
        np.nan_to_num(precision),
        width,
        color=style.TRAIN_COLOR,
        alpha=0.7,
        label="precision",
    )
    overall = float(np.mean(labels == predicted)) if len(labels) else math.nan
    ax.axhline(overall, color="#555555", ls="--", lw=1, label=f"overall accuracy {overall:.3f}")
    for i in np.flatnonzero(support == 0):
        ax.text(float(i), 0.02, "no samples", rotation=90, ha="center", va="bottom", fontsize=7)
    for i in np.flatnonzero(np.isnan(precision) & (support > 0)):
        ax.text(
            i + width / 2,
            0.02,
            "never predicted",
            rotation=90,
            ha="center",
            va="bottom",
            fontsize=7,
        )
    if classes <= 20:
        for pos, n in enumerate(support):
            ax.text(pos, 1.02, f"n={n}", ha="center", va="bottom", fontsize=7, color="#555555")
    thin_ticks(ax, x, names)
    ax.set_ylim(0, 1.12)
    ax.set_xlabel("class")
    ax.set_ylabel("fraction")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)
    return style.save(fig, path, dpi, crop=False)


def reliability_bins(probs: np.ndarray, labels: np.ndarray) -> list[ReliabilityBin]:
    """CALIBRATION_BINS equal-width confidence bins, as the analyzer's calibration makes them.

    Computed here rather than by `analysis.calibration`, which refuses probabilities whose
    rows do not sum to 1 within 1e-3: plot_inputs.npz keeps them as float16.
    """
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, CALIBRATION_BINS + 1)
    # Right-closed bins, (lower, upper], the usual ECE convention; 0 confidence joins bin 0.
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, CALIBRATION_BINS - 1)
    bins = []
    for b in range(CALIBRATION_BINS):
        mask = index == b
        count = int(mask.sum())
        bins.append(
            ReliabilityBin(
                lower=float(edges[b]),
                upper=float(edges[b + 1]),
                count=count,
                mean_confidence=float(confidence[mask].mean()) if count else None,
                accuracy=float(correct[mask].mean()) if count else None,
            )
        )
    return bins


def expected_calibration_error(bins: list[ReliabilityBin]) -> float | None:
    """Sample-weighted mean |confidence - accuracy| over the bins (None without samples)."""
    total = sum(b.count for b in bins)
    if not total:
        return None
    return sum(
        b.count / total * abs(b.mean_confidence - b.accuracy)
        for b in bins
        if b.mean_confidence is not None and b.accuracy is not None
    )


def _bins_from_analysis(data: TrialData) -> tuple[list[ReliabilityBin], float | None]:
    found = data.analysis().calibration
    if found is None or not found.bins:
        raise MissingInput("analysis.json calibration has no reliability bins")
    return [ReliabilityBin.from_json(b) for b in found.bins], found.ece


def calibration(data: TrialData, path: Path, dpi: int) -> Path:
    """Reliability diagram (accuracy against confidence per bin) and the confidence histogram."""
    confidence, accuracy = None, None
    try:
        found = data.predictions()
        bins = reliability_bins(found.probs, found.labels)
        confidence = found.probs.max(axis=1)
        ece = expected_calibration_error(bins)
        accuracy = float(np.mean(found.predicted == found.labels))
    except MissingInput as no_arrays:
        try:
            bins, ece = _bins_from_analysis(data)
        except MissingInput as no_bins:
            raise MissingInput(f"{no_arrays}; {no_bins}") from None
    panel_count = 2 if confidence is not None else 1
    title = "Calibration (validation)" + (f", ECE {ece:.3f}" if ece is not None else "")
    fig, axes = style.figure(1, panel_count, size=(6.2 * panel_count, 5.0), title=title)
    ax = panels(axes)[0]
    filled = [b for b in bins if b.count]
    lowers = np.array([b.lower for b in filled])
    widths = np.array([b.upper - b.lower for b in filled])
    acc = np.array([b.accuracy for b in filled], dtype=float)
    conf = np.array([b.mean_confidence for b in filled], dtype=float)
    ax.bar(
        lowers,
        acc,
        widths,
        align="edge",
        color=style.TRAIN_COLOR,
        alpha=0.85,
        edgecolor="white",
        label="accuracy",
    )
    ax.bar(
        lowers,
        conf - acc,
        widths,
        bottom=acc,
        align="edge",
        facecolor=matplotlib.colors.to_rgba(style.BAD, 0.25),
        edgecolor=style.BAD,
        hatch="//",
        lw=0.8,
        label="gap to mean confidence",
    )
    ax.plot([0, 1], [0, 1], ls="--", color="#555555", lw=1, label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence (max probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability diagram ({len(bins)} bins)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    if confidence is not None:
        hist_ax = panels(axes)[1]
        hist_ax.hist(
            confidence,
            bins=np.linspace(0, 1, 21).tolist(),  # the stub wants a Sequence
            color=style.PALETTE[5],
            alpha=0.9,
            edgecolor="white",
        )
        hist_ax.axvline(
            float(np.mean(confidence)),
            color=style.BAD,
            lw=1.5,
            label=f"mean confidence {np.mean(confidence):.3f}",
        )
        if accuracy is not None:  # set together with `confidence`; narrowed for mypy
            hist_ax.axvline(
                accuracy, color=style.GOOD, lw=1.5, ls="--", label=f"accuracy {accuracy:.3f}"
            )
        hist_ax.set_xlim(0, 1)
        hist_ax.set_xlabel("confidence (max probability)")
        hist_ax.set_ylabel("samples")
        hist_ax.set_title("Confidence histogram")
        hist_ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    return style.save(fig, path, dpi, crop=False)


def _image(sample: np.ndarray) -> tuple[np.ndarray, str | None]:
    """An (H, W) or (H, W, 3) array imshow can draw, and the colour map to use."""
    sample = np.asarray(sample, dtype=np.float32)
    if sample.ndim == 3 and sample.shape[-1] == 3:
        low, high = float(sample.min()), float(sample.max())
        scaled = (sample - low) / (high - low) if high > low else np.zeros_like(sample)
        return scaled, None
    if sample.ndim == 3:
        return sample[..., 0], "gray"
    return sample, "gray"


def sample_predictions(data: TrialData, path: Path, dpi: int) -> Path:
    """The first validation images with their true and predicted class and confidence."""
    inputs = data.inputs()
    samples = require(inputs.samples, "plot_inputs.npz holds no sample inputs")
    if inputs.is_text:
        raise MissingInput("samples are token sequences (text model): no image to show")
    if samples.ndim not in (3, 4):
        raise MissingInput(f"samples of shape {samples.shape[1:]} are not images")
    found = data.predictions()
    probs, labels, predicted = found.probs, found.labels, found.predicted
    names = _class_names(inputs, found.classes)
    count = min(len(samples), len(labels))
    cols = min(4, count)
    rows = math.ceil(count / cols)
    fig, axes = style.figure(
        rows,
        cols,
        size=(2.8 * cols, 3.0 * rows + 0.4),
        title="Validation samples: true and predicted class (confidence)",
    )
    for i, ax in enumerate(panels(axes)):
        ax.axis("off")
        if i >= count:
            continue
        image, cmap = _image(samples[i])
        ax.imshow(image, cmap=cmap)
        right = predicted[i] == labels[i]
        ax.set_title(
            f"true {names[labels[i]]} · pred {names[predicted[i]]} ({probs[i, predicted[i]]:.2f})",
            fontsize=9,
            color=style.GOOD if right else style.BAD,
        )
    return style.save(fig, path, dpi, crop=False)
