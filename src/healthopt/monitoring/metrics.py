"""Seed 001's layer metrics, read off healthopt's per-epoch layer records.

The seed defines its metrics on a "value weight" phi that standard Keras layers do not have.
Here they are defined on what the observer measures each epoch on its fixed probe batch
(`records.LayerHealth`), each on [0, 1] so that the seed's thresholds (0.3, 0.5, 0.7, 0.8,
0.9) apply as written:

- luminosity = tanh(RMS activation), RMS = sqrt(mean of the squared activations): the
  strength of the layer's signal; 0 for a silent layer, 0.76 at RMS 1, 0.9 at RMS 1.47.
- fracture_density = activation std / RMS = CV / sqrt(1 + CV^2), CV = std / |mean|: the
  dispersion of the activations as a coefficient of variation, bounded; 0 for a constant
  output, near 1 for an output centred on 0.
- entropy = Shannon entropy of the activation histogram (32 bins over the batch's range)
  over ln 32: 0 when every activation is the same, 1 when the bins are evenly filled.
- resilience = 1 / (1 + mean relative weight change), the change being mean |w_t - w_(t-1)|
  / mean |w_(t-1)|, averaged over the epochs since the previous monitored epoch: the seed's
  1 / (1 + mean |delta|), made scale-free so that layers compare. None for a layer without
  trainable weights.
- variance = the activations' variance across samples (per unit, averaged) / their mean
  square: the share of the signal that changes with the input (the rest is a constant
  offset). 0 when the layer answers every input alike.
- sparsity = the fraction of activations exactly zero (the seed: phi < 0.1; ReLU zeros are
  the real-layer analogue).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from healthopt.records import EpochRecord, LayerHealth
from healthopt.records.monitoring import LayerMetrics

METRIC_DEFINITIONS = {
    "luminosity": "tanh(RMS activation) on the probe batch",
    "fracture_density": "activation std / RMS = CV / sqrt(1 + CV^2), CV = std / |mean|",
    "entropy": "Shannon entropy of the 32-bin activation histogram / ln 32",
    "resilience": (
        "1 / (1 + mean relative weight change since the previous monitored epoch); "
        "change = mean |w_t - w_(t-1)| / mean |w_(t-1)|"
    ),
    "variance": "activation variance across samples (per unit, averaged) / mean square",
    "sparsity": "fraction of activations exactly zero",
}


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None:
        return None
    if denominator <= 0:
        return 0.0  # a silent layer: no spread and no variance to speak of
    return min(max(numerator / denominator, 0.0), 1.0)


def resilience(changes: Sequence[float | None]) -> float | None:
    """1 / (1 + mean change) over the given epochs' relative weight changes."""
    known = [change for change in changes if change is not None]
    if not known:
        return None
    return 1.0 / (1.0 + sum(known) / len(known))


def layer_metrics(entry: LayerHealth, changes: Sequence[float | None]) -> LayerMetrics:
    """The six metrics of one layer at one epoch; `changes` are the relative weight changes
    of the epochs since the previous monitored one (this one included)."""
    mean_square = entry.activation_mean_square
    rms = math.sqrt(mean_square) if mean_square is not None and mean_square >= 0 else None
    return LayerMetrics(
        luminosity=None if rms is None else math.tanh(rms),
        fracture_density=_ratio(entry.activation_std, rms),
        entropy=entry.activation_entropy,
        resilience=resilience(changes),
        variance=_ratio(entry.activation_variance_across_samples, mean_square),
        sparsity=entry.activation_zero_fraction,
    )


def learning_layers(records: Sequence[EpochRecord]) -> list[tuple[str, str | None]]:
    """(name, type) of each layer with trainable weights, in model order: the real-layer
    analogue of the seed's layers with value weights. Weightless layers (Flatten, Dropout,
    pooling) only pass on what the layer before them does, so classing them adds noise."""
    found: dict[str, str | None] = {}
    for record in records:
        for name, entry in record.layers.items():
            if entry.num_parameters and name not in found:
                found[name] = entry.type
    return list(found.items())
