"""Our spectra against WeightWatcher 0.7.7 itself (a dev dependency): same layers, same alphas.

The issue's bar: on Dense and Conv2D layers of a fixed model our alphas match WeightWatcher's
default `analyze()` within 0.05 (or 1%), and LSTM layers, which it skips, get finite alphas.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math

import keras
import numpy as np
import pytest
import weightwatcher
from weightwatcher.WW_powerlaw import WWFit

from healthopt.analysis.spectral import analyze, fit_power_law

logging.getLogger("weightwatcher").setLevel(logging.ERROR)


def heavy_tailed(model: keras.Model, seed: int) -> keras.Model:
    """Student-t kernels (3 degrees of freedom): heavy-tailed spectra, as training makes them."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.weights:
            values = layer.get_weights()
            values[0] = (rng.standard_t(3, values[0].shape) * 0.05).astype(np.float32)
            layer.set_weights(values)
    return model


@pytest.fixture(scope="module")
def model() -> keras.Model:
    keras.utils.set_random_seed(0)
    layers = keras.layers
    return heavy_tailed(
        keras.Sequential(
            [
                keras.Input((16, 16, 3)),
                layers.Conv2D(32, 3),  # 9 slices of (3, 32): 27 eigenvalues
                layers.Conv2D(48, 3),  # 288 eigenvalues
                layers.Conv2D(20, 2),  # out < in with an even kernel: WW swaps its N and M
                layers.Flatten(),
                layers.Dense(96),
                layers.Dense(40),
                layers.Dense(12),  # 12 eigenvalues: WeightWatcher's small-N fit
                layers.Dense(6),  # 6 eigenvalues: below min_evals for both
            ]
        ),
        seed=0,
    )


def ww_details(model: keras.Model):
    with contextlib.redirect_stdout(io.StringIO()):  # it prints "SMALL N PL FIT"
        return weightwatcher.WeightWatcher(model=model).analyze()


def test_alphas_match_weightwatcher_on_dense_and_conv2d_layers(model):
    details = ww_details(model)
    ours = {s.name: s for s in analyze(model, min_evals=8)}  # WeightWatcher's default
    assert list(ours) == list(details["name"])
    assert {s.kind for s in ours.values()} == {"conv2d", "dense"}
    for _, row in details.iterrows():
        s = ours[row["name"]]
        assert abs(s.alpha - row["alpha"]) <= max(0.05, 0.01 * row["alpha"]), row["name"]
        # Same eigenvalues and the same xmin, so everything else agrees closely too.
        assert s.num_evals == row["num_evals"]
        assert s.xmin == pytest.approx(row["xmin"], rel=1e-6)
        assert s.num_tail == row["num_pl_spikes"]
        assert s.ks_distance == pytest.approx(row["D"], rel=1e-6)
        assert s.lambda_max == pytest.approx(row["lambda_max"], rel=1e-6)
        assert s.stable_rank == pytest.approx(row["stable_rank"], rel=1e-6)
        assert s.entropy == pytest.approx(row["entropy"], rel=1e-6)


def test_recurrent_layers_get_finite_alphas_where_weightwatcher_has_none():
    keras.utils.set_random_seed(1)
    layers = keras.layers
    model = heavy_tailed(
        keras.Sequential(
            [
                keras.Input((12,), dtype="int32"),
                layers.Embedding(300, 24, name="emb"),
                layers.LSTM(32, return_sequences=True, name="lstm"),
                layers.Bidirectional(layers.GRU(16), name="bi"),
                layers.Dense(20, name="out"),
            ]
        ),
        seed=1,
    )
    details = ww_details(model)
    assert list(details["name"]) == ["emb", "out"]  # no row for LSTM or GRU
    spectra = {s.name: s for s in analyze(model)}
    for _, row in details.iterrows():  # the Embedding and Dense layers it has agree
        assert abs(spectra[row["name"]].alpha - row["alpha"]) <= max(0.05, 0.01 * row["alpha"])
    recurrent = [s for s in spectra.values() if s.kind in ("lstm", "gru")]
    assert {s.name for s in recurrent} >= {"lstm", "lstm/recurrent_kernel"}
    assert len(recurrent) == 6  # LSTM + two GRU directions, kernel and recurrent kernel each
    for s in recurrent:
        assert s.alpha is not None and math.isfinite(s.alpha) and s.alpha > 1.0, s.name
    assert spectra["lstm"].num_evals == 24 and spectra["lstm/recurrent_kernel"].num_evals == 32


@pytest.mark.parametrize("seed", range(4))
def test_fit_matches_weightwatchers_powerlaw_fit_on_random_spectra(seed):
    rng = np.random.default_rng(seed)
    for _ in range(15):
        n = int(rng.integers(8, 700))
        if rng.random() < 0.5:
            evals = rng.pareto(rng.uniform(0.5, 4.0), n) + rng.uniform(0.0, 1.0)
        else:
            w = rng.standard_t(rng.uniform(2.0, 6.0), (n + int(rng.integers(0, n)), n))
            evals = np.linalg.eigvalsh(w.T @ w / n)
        with contextlib.redirect_stdout(io.StringIO()):
            theirs = WWFit(evals[evals > 1e-5])
        ours = fit_power_law(evals)
        assert ours.xmin == theirs.xmin
        assert ours.alpha == pytest.approx(theirs.alpha, rel=1e-9)
        assert ours.ks_distance == pytest.approx(theirs.D, abs=1e-12)
