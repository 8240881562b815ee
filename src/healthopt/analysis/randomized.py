"""What training put into a layer's spectrum: comparison with its elements shuffled.

WeightWatcher's `randomize` option: shuffling a weight matrix's elements keeps their
distribution but destroys every correlation, so its spectrum is the random (Marchenko-Pastur)
baseline for that very layer. Eigenvalues of the trained matrix above the shuffled matrix's
largest one ("spikes") are learned structure; a layer with none, and a small distance between
the two spectra, looks untrained. Conv kernels are shuffled within each (in, out) slice, as
WeightWatcher does, so each slice is compared with its own baseline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from healthopt.analysis.files import RandomizedEntry, entry_from
from healthopt.analysis.records import WeightRecord
from healthopt.analysis.spectral import esd

HISTOGRAM_BINS = 100


@dataclass(frozen=True)
class RandomizedSpectrum:
    """One layer's spectrum against its shuffled twin (same normalisation as `spectral.esd`)."""

    name: str
    layer_index: int
    num_evals: int
    max_eval: float
    rand_max_eval: float
    num_spikes: int  # eigenvalues above rand_max_eval
    rand_distance: float  # Jensen-Shannon distance of the two log-eigenvalue histograms, 0..1

    def to_json(self) -> RandomizedEntry:
        return entry_from(self, RandomizedEntry)


def shuffled(record: WeightRecord, rng: np.random.Generator) -> WeightRecord:
    """The record with its weights shuffled within each 2-D slice (one copy of the tensor)."""
    w = record.weights
    rows = int(np.prod(w.shape[:-2])) if w.ndim > 2 else 1
    mixed = rng.permuted(w.reshape(rows, -1), axis=1).reshape(w.shape)
    return replace(record, weights=mixed)


def jensen_shannon_distance(a: np.ndarray, b: np.ndarray, bins: int = HISTOGRAM_BINS) -> float:
    """Distance (0 = same, 1 = disjoint) between histograms of log10 of two positive samples."""
    a = np.log10(a[a > 0])
    b = np.log10(b[b > 0])
    if a.size == 0 or b.size == 0:
        return math.nan
    low, high = min(a.min(), b.min()), max(a.max(), b.max())
    if high <= low:
        return 0.0
    edges = np.linspace(low, high, bins + 1)
    p = np.histogram(a, edges)[0] / a.size
    q = np.histogram(b, edges)[0] / b.size
    m = (p + q) / 2

    def kl(x: np.ndarray) -> float:
        nz = x > 0
        return float(np.sum(x[nz] * np.log2(x[nz] / m[nz])))

    return math.sqrt(max(0.0, (kl(p) + kl(q)) / 2))


def compare_randomized(
    records: Iterable[WeightRecord], *, min_evals: int = 10, seed: int = 0
) -> list[RandomizedSpectrum]:
    """One comparison per record whose spectrum has at least `min_evals` eigenvalues."""
    rng = np.random.default_rng(seed)
    out = []
    for record in records:
        evals = esd(record)
        if evals.size < min_evals:
            continue
        rand = esd(shuffled(record, rng))
        rand_max = float(rand.max())
        out.append(
            RandomizedSpectrum(
                name=record.name,
                layer_index=record.layer_index,
                num_evals=int(evals.size),
                max_eval=float(evals.max()),
                rand_max_eval=rand_max,
                num_spikes=int(np.count_nonzero(evals > rand_max)),
                rand_distance=jensen_shannon_distance(evals, rand),
            )
        )
    return out
