"""Spectral analysis of weight matrices: HTSR metrics, WeightWatcher-compatible alphas.

The eigenvalues of every weight matrix (`esd`), a power-law fit of their tail with xmin by
minimum KS distance exactly as WeightWatcher 0.7.7's default `analyze()` (`fit_power_law`),
the distribution metrics of seed 000 (`LayerSpectrum`), and a per-model verdict with
recommendations (`summarize`). Works on `WeightRecord`s; `analyze(model)` reads a Keras
model through `analysis.layers`, imported only then.
"""

from __future__ import annotations

from healthopt.analysis.spectral.eigen import CONV2D_EVAL_SCALE, esd, num_evals
from healthopt.analysis.spectral.powerlaw import EVALS_THRESHOLD, PowerLawFit, fit_power_law
from healthopt.analysis.spectral.spectrum import (
    OVER_TRAINED_ALPHA,
    UNDER_TRAINED_ALPHA,
    LayerSpectrum,
    SpectrumShape,
    analyze,
    analyze_records,
    layer_spectrum,
    matrix_entropy,
    spectrum_shape,
)
from healthopt.analysis.spectral.summary import HIGH_CONCENTRATION, SpectralSummary, summarize

__all__ = [
    "CONV2D_EVAL_SCALE",
    "EVALS_THRESHOLD",
    "HIGH_CONCENTRATION",
    "OVER_TRAINED_ALPHA",
    "UNDER_TRAINED_ALPHA",
    "LayerSpectrum",
    "PowerLawFit",
    "SpectralSummary",
    "SpectrumShape",
    "analyze",
    "analyze_records",
    "esd",
    "fit_power_law",
    "layer_spectrum",
    "matrix_entropy",
    "num_evals",
    "spectrum_shape",
    "summarize",
]
