"""A model's spectral verdict: mean alpha, status, and what to do about it (seed 000).

HTSR reads alpha in 2..6 as well trained; below 2 the spectrum is so heavy-tailed the layer
may be memorising (over-trained), above 6 it has learned little structure (under-trained).
The status comes from the mean alpha over layers with a fitted alpha; the recommendations
also name individual layers outside the range and layers whose weight sits in few directions.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from healthopt.analysis.files import SpectralSummaryEntry, entry_from
from healthopt.analysis.spectral.spectrum import (
    OVER_TRAINED_ALPHA,
    UNDER_TRAINED_ALPHA,
    LayerSpectrum,
)

# A layer above this concentration score holds most of its weight in a few directions.
HIGH_CONCENTRATION = 0.6

STATUS_OVER = "over-trained"
STATUS_UNDER = "under-trained"
STATUS_WELL = "well-trained"
STATUS_UNKNOWN = "unknown"


@dataclass(frozen=True)
class SpectralSummary:
    """One model's spectral summary; means are over layers where the value is defined."""

    mean_alpha: float | None
    median_alpha: float | None
    mean_concentration: float | None
    mean_stable_rank: float | None
    mean_entropy: float | None
    layers_analyzed: int
    status: str  # "well-trained" | "over-trained" | "under-trained" | "unknown"
    recommendations: list[str] = field(default_factory=list)
    under_trained: list[str] = field(default_factory=list)  # layers with alpha > 6
    over_trained: list[str] = field(default_factory=list)  # layers with alpha < 2
    highly_concentrated: list[str] = field(default_factory=list)
    reason: str | None = None  # why status is "unknown"

    def to_json(self, concentration: bool = True) -> SpectralSummaryEntry:
        """`concentration` False leaves the concentration results out."""
        omit = () if concentration else ("mean_concentration", "highly_concentrated")
        return entry_from(self, SpectralSummaryEntry, omit=omit)


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _mean(values: Sequence[float | None]) -> float | None:
    kept = _finite(values)
    return statistics.fmean(kept) if kept else None


def _names(names: list[str]) -> str:
    return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")


def summarize(spectra: Sequence[LayerSpectrum]) -> SpectralSummary:
    """Means, the model's training status and the recommendations for it."""
    alphas = _finite([s.alpha for s in spectra])
    mean_alpha = statistics.fmean(alphas) if alphas else None
    over = [s.name for s in spectra if s.training_status == STATUS_OVER]
    under = [s.name for s in spectra if s.training_status == STATUS_UNDER]
    concentrated = [
        s.name
        for s in spectra
        if s.concentration_score is not None and s.concentration_score > HIGH_CONCENTRATION
    ]
    reason = None
    if mean_alpha is None:
        status = STATUS_UNKNOWN
        reason = (
            "no layer has enough eigenvalues for spectral analysis"
            if not spectra
            else "no layer's spectrum could be fitted with a power law"
        )
    elif mean_alpha < OVER_TRAINED_ALPHA:
        status = STATUS_OVER
    elif mean_alpha > UNDER_TRAINED_ALPHA:
        status = STATUS_UNDER
    else:
        status = STATUS_WELL
    return SpectralSummary(
        mean_alpha=mean_alpha,
        median_alpha=statistics.median(alphas) if alphas else None,
        mean_concentration=_mean([s.concentration_score for s in spectra]),
        mean_stable_rank=_mean([s.stable_rank for s in spectra]),
        mean_entropy=_mean([s.entropy for s in spectra]),
        layers_analyzed=len(spectra),
        status=status,
        recommendations=_recommendations(status, mean_alpha, over, under, concentrated, reason),
        under_trained=under,
        over_trained=over,
        highly_concentrated=concentrated,
        reason=reason,
    )


def _recommendations(
    status: str,
    mean_alpha: float | None,
    over: list[str],
    under: list[str],
    concentrated: list[str],
    reason: str | None,
) -> list[str]:
    if status == STATUS_UNKNOWN:
        return [f"No spectral verdict: {reason}."]
    out = []
    if status == STATUS_OVER:
        out.append(
            f"Model may be over-trained (mean α = {mean_alpha:.2f} < {OVER_TRAINED_ALPHA:g}). "
            "Consider early stopping, stronger regularization (weight decay, dropout) "
            "or more training data."
        )
    elif status == STATUS_UNDER:
        out.append(
            f"Model may be under-trained (mean α = {mean_alpha:.2f} > {UNDER_TRAINED_ALPHA:g}). "
            "Consider training longer, a larger learning rate, or less regularization."
        )
    else:
        out.append(
            f"Mean α = {mean_alpha:.2f} is in the well-trained range "
            f"({OVER_TRAINED_ALPHA:g}-{UNDER_TRAINED_ALPHA:g})."
        )
    if over:
        out.append(
            f"Layers with α < {OVER_TRAINED_ALPHA:g} (possibly over-fitting or memorizing): "
            f"{_names(over)}. Consider regularizing them more or stopping earlier."
        )
    if under:
        out.append(
            f"Layers with α > {UNDER_TRAINED_ALPHA:g} (little learned structure): "
            f"{_names(under)}. Consider training longer or making them smaller."
        )
    if concentrated:
        out.append(
            f"Highly concentrated spectra in {_names(concentrated)}: a few directions carry "
            "most of the weight, so pruning or quantizing these layers is risky."
        )
    return out
