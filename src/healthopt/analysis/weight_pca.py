"""Where models sit relative to each other by their weights: a PCA of per-model weight statistics.

Seed 000's Model Similarity panel: each model becomes one vector of its layers' averaged
weight statistics (norms on a log scale, so one wide layer does not decide the map alone),
the vectors are standardised across models, and the first two principal components place
the models on a plane. Models close together learned similar weight distributions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from healthopt.analysis.files import WeightPCAEntry

MIN_MODELS = 3  # two points always lie on one line: a 2-D map of them says nothing
# (LayerWeightStats field, averaged on a log10 scale)
FEATURES = (
    ("l2_norm", True),
    ("spectral_norm", True),
    ("mean", False),
    ("std", True),
    ("skew", False),
    ("kurtosis", False),
    ("sparsity", False),
    ("health_score", False),
)


class WeightPCAError(ValueError):
    """The models cannot be placed on a map; the message says why."""


@dataclass(frozen=True)
class WeightPCA:
    """Two principal-component coordinates per model and what share of variance each holds."""

    models: tuple[str, ...]
    coordinates: np.ndarray  # (models, 2)
    explained_variance: tuple[float, float]
    features: tuple[str, ...]  # the statistics that differed across models and were used

    def coordinates_of(self, model: str) -> tuple[float, float]:
        row = self.coordinates[self.models.index(model)]
        return float(row[0]), float(row[1])

    def to_json(self) -> WeightPCAEntry:
        return WeightPCAEntry(
            features=list(self.features),
            explained_variance=list(self.explained_variance),
            coordinates={m: self.coordinates_of(m) for m in self.models},
        )


def _model_vector(stats: Sequence[Any]) -> list[float]:
    row = []
    for name, use_log in FEATURES:
        values = [float(getattr(s, name)) for s in stats if getattr(s, name) is not None]
        values = [v for v in values if math.isfinite(v)]
        mean = float(np.mean(values)) if values else math.nan
        if use_log:
            mean = math.log10(mean + 1e-12) if mean >= 0 else math.nan
        row.append(mean)
    return row


def weight_pca(weights: Mapping[str, Sequence[Any]]) -> WeightPCA:
    """PCA of the models' averaged layer statistics (`LayerWeightStats` lists per model).

    A statistic missing for any model, or equal across all of them, is dropped: it cannot
    separate them. Raises WeightPCAError with fewer than 3 models or fewer than 2 usable
    statistics. Signs are fixed (largest loading positive) so reruns give the same map.
    """
    models = tuple(m for m, stats in weights.items() if stats)
    if len(models) < MIN_MODELS:
        raise WeightPCAError(
            f"needs weight statistics of at least {MIN_MODELS} models (have {len(models)})"
        )
    matrix = np.array([_model_vector(weights[m]) for m in models], dtype=float)
    usable = np.all(np.isfinite(matrix), axis=0) & (np.ptp(matrix, axis=0) > 1e-12)
    if usable.sum() < 2:
        raise WeightPCAError("the models' weight statistics do not differ enough to project")
    z = matrix[:, usable]
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    signs = np.sign(vt[np.arange(len(vt)), np.argmax(np.abs(vt), axis=1)])
    coords = (u * s * signs)[:, :2]
    share = s**2 / np.sum(s**2)
    return WeightPCA(
        models=models,
        coordinates=coords,
        explained_variance=(float(share[0]), float(share[1])),
        features=tuple(name for (name, _), keep in zip(FEATURES, usable, strict=True) if keep),
    )
