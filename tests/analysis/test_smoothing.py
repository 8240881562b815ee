"""SVD smoothing: the matrix math on crafted arrays, then Keras models against WeightWatcher."""

from __future__ import annotations

import contextlib
import io
import logging
import math

import numpy as np
import pytest

from healthopt.analysis.records import WeightRecord
from healthopt.analysis.smoothing import (
    components_to_keep,
    detx_count,
    per_matrix_keep,
    smooth_matrix,
    smooth_record,
    smoothed_weights,
    truncate,
)
from healthopt.analysis.spectral import esd, fit_power_law


def svd_truncation(w: np.ndarray, k: int) -> np.ndarray:
    u, s, vt = np.linalg.svd(w.astype(np.float64), full_matrices=False)
    return (u[:, :k] * s[:k]) @ vt[:k]


@pytest.mark.parametrize("shape", [(60, 25), (25, 60)])
def test_truncate_is_the_best_rank_k_approximation(shape):
    w = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    out = truncate(w, 7)
    assert out.dtype == np.float32 and out.shape == shape
    np.testing.assert_allclose(out, svd_truncation(w, 7), atol=1e-5)
    assert np.linalg.matrix_rank(out, tol=1e-4) == 7


def test_truncate_keeps_everything_when_asked_for_full_rank_or_nothing():
    w = np.random.default_rng(1).normal(size=(20, 10)).astype(np.float32)
    for k in (0, 10, 50):
        out = truncate(w, k)
        assert out is not w and np.array_equal(out, w)


def test_detx_count_is_the_smallest_top_set_with_product_below_one():
    evals = np.array([0.1, 0.1, 0.2, 0.5, 0.9, 1.2, 2.0, 5.0])  # sum 10, mean 1.25
    scaled = np.sort(evals)[::-1] * (evals.size / evals.sum())
    # By hand: scaled = [4.0, 1.6, 0.96, 0.72, 0.4, 0.16, 0.08, 0.08]; cumulative products
    # 4.0, 6.4, 6.14, 4.42, 1.77, 0.28 -> the first below 1 is the top 6.
    np.testing.assert_allclose(scaled[:3], [4.0, 1.6, 0.96])
    assert detx_count(evals) == 6
    assert detx_count(np.ones(10)) == 0  # nothing to choose between equal eigenvalues
    assert detx_count(np.array([1.0, 1.0, 1.0, 1.01])) == 4  # never below 1: keep all


def test_detx_count_matches_weightwatcher_until_its_float_product_breaks():
    from weightwatcher.RMT_Util import detX_constraint

    rng = np.random.default_rng(2)
    for n in (10, 50, 300):
        w = rng.standard_t(3, (2 * n, n))
        evals = np.linalg.eigvalsh(w.T @ w)
        assert detx_count(evals) == detX_constraint(np.sort(evals))[0]
    # A large layer: WeightWatcher multiplies thousands of eigenvalues in floating point,
    # which underflows to 0 (or overflows to inf) and stops at the wrong place; summing
    # logs finds the real constraint.
    evals = np.linspace(0.01, 2.0, 4000)
    count = detx_count(evals)
    logs = np.log(evals[::-1] * (evals.size / evals.sum()))
    assert logs[:count].sum() < 0 <= logs[: count - 1].sum()
    assert count == 3480 != detX_constraint(evals)[0]


def test_how_many_components_each_method_keeps():
    evals = np.random.default_rng(3).pareto(2.0, 200) + 1.0
    assert components_to_keep(evals, "svd") == 160
    assert components_to_keep(evals, "svd", percent=0.5) == 100
    assert components_to_keep(evals, "detX") == detx_count(evals)
    assert components_to_keep(evals, "lambda_min") == fit_power_law(evals).num_tail
    assert components_to_keep(evals, "alpha_min") == fit_power_law(evals).num_tail
    assert components_to_keep(np.ones(30), "lambda_min") == 0  # no fit: leave it alone
    with pytest.raises(ValueError, match="unknown smoothing method"):
        components_to_keep(evals, "rmt")
    with pytest.raises(ValueError, match="percent"):
        components_to_keep(evals, "svd", percent=1.5)


def test_smooth_matrix_keeps_the_detx_tail_of_its_own_spectrum():
    w = (np.random.default_rng(4).standard_t(3, (80, 40)) * 0.1).astype(np.float32)
    evals = esd(WeightRecord("d", 0, "dense", "kernel", w))
    k = detx_count(evals)
    assert 0 < k < 40
    np.testing.assert_allclose(smooth_matrix(w, "detX"), svd_truncation(w, k), atol=1e-5)
    with pytest.raises(ValueError):
        smooth_matrix(w[None], "detX")


def test_conv_kernels_keep_a_share_of_the_layer_count_in_every_slice():
    w = np.random.default_rng(5).standard_t(3, (3, 3, 16, 24)).astype(np.float32)
    conv = WeightRecord("c", 0, "conv2d", "kernel", w)
    keep = per_matrix_keep(conv, "svd")
    assert keep == math.ceil(int(0.8 * 9 * 16) / 9) == 13
    out = smooth_record(conv, "svd")
    assert out.shape == w.shape and out.dtype == np.float32
    for i in range(3):
        for j in range(3):
            np.testing.assert_allclose(out[i, j], svd_truncation(w[i, j], keep), atol=1e-4)


def test_smoothed_weights_covers_every_large_enough_tensor_by_layer_and_role():
    rng = np.random.default_rng(6)
    records = [
        WeightRecord("dense", 0, "dense", "kernel", rng.normal(size=(30, 20)).astype(np.float32)),
        WeightRecord("tiny", 1, "dense", "kernel", rng.normal(size=(30, 5)).astype(np.float32)),
        WeightRecord("lstm", 2, "lstm", "kernel", rng.normal(size=(20, 64)).astype(np.float32)),
        WeightRecord(
            "lstm", 2, "lstm", "recurrent_kernel", rng.normal(size=(16, 64)).astype(np.float32)
        ),
    ]
    out = smoothed_weights(records, "svd")
    assert list(out) == [("dense", "kernel"), ("lstm", "kernel"), ("lstm", "recurrent_kernel")]
    assert np.linalg.matrix_rank(out[("lstm", "recurrent_kernel")], tol=1e-4) == 12


@pytest.fixture(scope="module")
def dense_model():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((120,)),
            keras.layers.Dense(48, name="hidden"),
            keras.layers.Dense(24, name="middle"),
            keras.layers.Dense(10, name="out"),
        ]
    )
    rng = np.random.default_rng(7)
    for layer in model.layers:
        values = layer.get_weights()
        values[0] = (rng.standard_t(3, values[0].shape) * 0.05).astype(np.float32)
        layer.set_weights(values)
    return model


@pytest.mark.parametrize(
    ("method", "ww_method"), [("svd", "svd"), ("detX", "detX"), ("lambda_min", "alpha_min")]
)
def test_smooth_model_keeps_the_ranks_weightwatcher_keeps(dense_model, method, ww_method):
    import keras
    import weightwatcher

    from healthopt.analysis.smoothing import smooth_model

    before = [w.copy() for w in dense_model.get_weights()]
    smoothed = smooth_model(dense_model, method, min_evals=8)
    assert smoothed is not dense_model
    for old, new in zip(before, dense_model.get_weights(), strict=True):
        assert np.array_equal(old, new)  # the original is untouched

    # WeightWatcher smooths its model in place; give it a copy.
    theirs = keras.models.clone_model(dense_model)
    theirs.set_weights(before)
    logging.getLogger("weightwatcher").setLevel(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()):
        weightwatcher.WeightWatcher(model=theirs).SVDSmoothing(method=ww_method)
    for ours_layer, their_layer in zip(smoothed.layers, theirs.layers, strict=True):
        ours_w, their_w = ours_layer.get_weights()[0], their_layer.get_weights()[0]
        tol = 1e-4 * np.abs(their_w).max()
        assert np.linalg.matrix_rank(ours_w, tol=tol) == np.linalg.matrix_rank(their_w, tol=tol)
        # Same truncation up to WeightWatcher's randomized SVD.
        assert np.abs(ours_w - their_w).max() <= 0.05 * np.abs(their_w).max()
