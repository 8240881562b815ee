"""Spectral analysis on crafted matrices and spectra whose answers are known (no TensorFlow)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from healthopt.analysis.records import WeightRecord
from healthopt.analysis.spectral import (
    CONV2D_EVAL_SCALE,
    LayerSpectrum,
    analyze_records,
    esd,
    fit_power_law,
    layer_spectrum,
    num_evals,
    summarize,
)


def record(weights: np.ndarray, kind: str = "dense", role: str = "kernel", layer: str = "d"):
    return WeightRecord(layer, 0, kind, role, np.asarray(weights, dtype=np.float32))


def reference_fit(evals: np.ndarray) -> tuple[float, float, float]:
    """WeightWatcher 0.7.7's standard fit, transcribed loop for loop (WWFit, N >= 20)."""
    data = np.sort(evals[evals > 1e-5])
    logs = np.log(data)
    n_all = data.size
    alphas, ds = np.zeros(n_all - 1), np.ones(n_all - 1)
    for i, xmin in enumerate(data[:-1]):
        n = float(n_all - i)
        alphas[i] = 1 + n / (np.sum(logs[i:]) - n * logs[i])
        ds[i] = np.max(np.abs(1 - (data[i:] / xmin) ** (-alphas[i] + 1) - np.arange(n) / n))
    i = int(np.argmin(ds))
    return float(alphas[i]), float(data[i]), float(ds[i])


# --- the power-law fit -------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [2.5, 4.0])
def test_alpha_of_a_pareto_sample_is_its_exponent(alpha):
    # numpy's pareto(a) + 1 has density ~ x^-(a + 1) on x >= 1.
    evals = np.random.default_rng(0).pareto(alpha - 1.0, 5000) + 1.0
    fit = fit_power_law(evals)
    assert fit.alpha == pytest.approx(alpha, abs=0.15)
    assert fit.num_tail == np.count_nonzero(evals >= fit.xmin)
    assert 0.0 < fit.ks_distance < 0.05


def spectrum(case: int) -> np.ndarray:
    """Spectra of several sizes and shapes: Marchenko-Pastur bulks, heavy tails, ties."""
    rng = np.random.default_rng(case)
    if case == 0:
        w = rng.normal(size=(80, 40))
    elif case == 1:
        w = rng.standard_t(3, (450, 300))
    elif case == 2:
        w = rng.normal(size=(1500, 1200))
    else:
        return [
            rng.pareto(1.5, 9000) + 1.0,  # long enough for every lower-bound pass
            np.round(rng.pareto(2.0, 2000) + 1.0, 2),  # many ties
            rng.lognormal(0.0, 2.0, 5000),
        ][case - 3]
    return np.linalg.eigvalsh(w.T @ w / w.shape[1])


@pytest.mark.parametrize("case", range(6))
def test_fit_picks_the_same_xmin_as_trying_every_candidate(case):
    # The lower-bound pruning must never change the answer: compare with the full search.
    evals = spectrum(case)
    alpha, xmin, ks = reference_fit(evals)
    fit = fit_power_law(evals)
    assert fit.xmin == xmin
    assert fit.alpha == pytest.approx(alpha, rel=1e-9)
    assert fit.ks_distance == pytest.approx(ks, abs=1e-12)


def test_small_spectra_use_the_bias_corrected_alpha_on_tails_of_eight_or_more():
    # WeightWatcher's small-N fit (under 20 eigenvalues): alpha = 1 + (n - 1) / sum log(x/xmin)
    # over tails of at least 8, xmin by smallest KS distance.
    evals = np.random.default_rng(3).pareto(2.0, 12) + 1.0
    fit = fit_power_law(evals)
    tail = np.sort(evals)[np.sort(evals) >= fit.xmin]
    assert tail.size >= 8 and fit.num_tail == tail.size
    assert fit.alpha == pytest.approx(1 + (tail.size - 1) / np.sum(np.log(tail / tail[0])))


def test_no_power_law_without_eigenvalues_above_the_noise_floor():
    fit = fit_power_law(np.zeros(30))
    assert fit.alpha is None and fit.num_tail == 0 and "1e-05" in fit.reason
    flat = fit_power_law(np.ones(30))
    assert flat.alpha is None and flat.ks_distance is None and "equal" in flat.reason


# --- eigenvalues ---------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(50, 20), (20, 50)])
def test_esd_is_the_squared_singular_values_whatever_the_orientation(shape):
    w = np.random.default_rng(1).normal(size=shape).astype(np.float32)
    expected = np.sort(np.linalg.svd(w.astype(np.float64), compute_uv=False) ** 2)
    np.testing.assert_allclose(esd(record(w)), expected, rtol=1e-10)


@pytest.mark.parametrize("shape", [(40000, 12), (12, 40000), (1500, 300)])
def test_gram_summed_over_row_chunks_gives_the_same_eigenvalues(shape, monkeypatch):
    # Tall narrow matrices and huge ones take the chunked Gram route; force it with small
    # thresholds and compare with singular values from an SVD.
    from healthopt.analysis.spectral import eigen

    monkeypatch.setattr(eigen, "_NARROW_CHUNK_BYTES", 8 * 12 * 1000)
    monkeypatch.setattr(eigen, "_HUGE_BYTES", 1 << 20)
    w = np.random.default_rng(9).normal(size=shape).astype(np.float32)
    expected = np.sort(np.linalg.svd(w.astype(np.float64), compute_uv=False) ** 2)
    np.testing.assert_allclose(esd(record(w)), expected, rtol=1e-9)


def test_conv2d_slices_are_pooled_and_halved_like_weightwatcher():
    w = np.random.default_rng(2).normal(size=(3, 3, 8, 16)).astype(np.float32)
    sv = [
        np.linalg.svd(w[i, j].astype(np.float64), compute_uv=False)
        for i in range(3)
        for j in range(3)
    ]
    expected = np.sort(np.concatenate(sv) ** 2) * CONV2D_EVAL_SCALE
    conv = record(w, kind="conv2d")
    assert num_evals(conv) == 72
    np.testing.assert_allclose(esd(conv), expected, rtol=1e-10)
    # Conv1D slices are pooled too, without WeightWatcher's Conv2D-only rescaling.
    conv1d = record(w[0], kind="conv1d")
    np.testing.assert_allclose(esd(conv1d), np.sort(np.concatenate(sv[:3]) ** 2), rtol=1e-10)


# --- distribution metrics -------------------------------------------------------------


def test_rank_one_matrix_is_maximally_concentrated():
    rng = np.random.default_rng(4)
    w = np.outer(rng.normal(size=64), rng.normal(size=32))
    s = layer_spectrum(record(w))
    assert s.stable_rank == pytest.approx(1.0, abs=1e-6)
    assert s.dominance_ratio > 1e6
    assert s.gini == pytest.approx(31 / 32, abs=1e-6)
    assert s.participation_ratio == pytest.approx(1 / 32, rel=1e-6)
    assert s.concentration_score == pytest.approx((31 / 32 + 1 + 31 / 32) / 3, abs=1e-6)
    assert s.entropy == 0.0


def test_isotropic_matrix_spreads_evenly():
    q, _ = np.linalg.qr(np.random.default_rng(5).normal(size=(64, 64)))
    s = layer_spectrum(record(3.0 * q[:, :40]))  # 40 equal singular values
    assert s.stable_rank == pytest.approx(40, rel=1e-5)
    assert s.gini == pytest.approx(0.0, abs=1e-5)
    assert s.entropy == pytest.approx(1.0, abs=1e-6)
    assert s.participation_ratio == pytest.approx(1.0, abs=1e-6)
    assert s.dominance_ratio == pytest.approx(1 / 39, rel=1e-4)
    assert s.concentration_score == pytest.approx(1 / 120, abs=1e-4)


def test_identity_has_no_power_law_but_every_other_metric():
    s = layer_spectrum(record(np.eye(16)))
    assert s.alpha is None and "equal" in s.reason
    assert s.stable_rank == pytest.approx(16) and s.gini == pytest.approx(0.0, abs=1e-12)
    d = s.to_json().to_json()
    assert d["alpha"] is None and d["training_status"] is None


# --- analysing records -----------------------------------------------------------------


def lstm_records(units: int = 32, inputs: int = 20, kind: str = "lstm", gates: int = 4):
    rng = np.random.default_rng(6)
    kernel = rng.standard_t(3, (inputs, gates * units)) * 0.1
    recurrent = rng.standard_t(3, (units, gates * units)) * 0.1
    return [
        WeightRecord(kind, 1, kind, "kernel", kernel.astype(np.float32)),
        WeightRecord(kind, 1, kind, "recurrent_kernel", recurrent.astype(np.float32)),
    ]


@pytest.mark.parametrize(("kind", "gates"), [("lstm", 4), ("gru", 3)])
def test_recurrent_kernels_get_their_own_rows_with_finite_alphas(kind, gates):
    spectra = analyze_records(lstm_records(kind=kind, gates=gates))
    assert [s.name for s in spectra] == [kind, f"{kind}/recurrent_kernel"]
    assert [s.num_evals for s in spectra] == [20, 32]
    assert all(s.alpha is not None and math.isfinite(s.alpha) for s in spectra)
    assert [s.role for s in spectra] == ["kernel", "recurrent_kernel"]


def test_min_and_max_evals_decide_which_records_are_analysed():
    rng = np.random.default_rng(7)
    records = [
        WeightRecord("small", 0, "dense", "kernel", rng.normal(size=(30, 9)).astype(np.float32)),
        WeightRecord("ten", 1, "dense", "kernel", rng.normal(size=(30, 10)).astype(np.float32)),
        WeightRecord(
            "conv", 2, "conv2d", "kernel", rng.normal(size=(3, 3, 2, 8)).astype(np.float32)
        ),
        WeightRecord(
            "emb", 3, "embedding", "embeddings", rng.normal(size=(100, 40)).astype(np.float32)
        ),
    ]
    assert [s.name for s in analyze_records(records)] == ["ten", "conv", "emb"]
    assert [s.name for s in analyze_records(records, min_evals=11)] == ["conv", "emb"]
    assert [s.name for s in analyze_records(records, max_evals=20)] == ["ten", "conv"]
    with pytest.raises(ValueError):
        analyze_records(records, min_evals=0)


def test_to_json_is_plain_json_and_evals_only_on_request():
    rng = np.random.default_rng(8)
    rank_one = np.outer(rng.normal(size=40), rng.normal(size=20))
    spectra = analyze_records([record(rng.normal(size=(40, 20))), record(rank_one, layer="r1")])
    spectra[1] = _with(spectra[1], dominance_ratio=math.inf)
    plain = [s.to_json().to_json() for s in spectra]
    assert "evals" not in plain[0] and plain[1]["dominance_ratio"] is None
    json.dumps(plain, allow_nan=False)
    full = spectra[0].to_json(include_evals=True).to_json()
    assert len(full["evals"]) == 20 and full["evals"] == sorted(full["evals"])
    assert full["shape"] == [40, 20] and full["kind"] == "dense"


# --- the model summary ------------------------------------------------------------------


def _with(s: LayerSpectrum, **changes) -> LayerSpectrum:
    from dataclasses import replace

    return replace(s, **changes)


def spectra_with_alphas(alphas, concentration=0.2):
    base = layer_spectrum(record(np.random.default_rng(9).normal(size=(40, 20))))
    return [
        _with(base, name=f"l{i}", alpha=a, concentration_score=concentration)
        for i, a in enumerate(alphas)
    ]


def test_summary_flags_over_and_under_trained_models_and_layers():
    over = summarize(spectra_with_alphas([1.5, 1.8, 2.5]))
    assert over.status == "over-trained" and over.over_trained == ["l0", "l1"]
    assert over.mean_alpha == pytest.approx(5.8 / 3) and over.median_alpha == 1.8
    assert "over-trained" in over.recommendations[0] and "early stopping" in over.recommendations[0]
    assert any("l0, l1" in r for r in over.recommendations)

    under = summarize(spectra_with_alphas([7.0, 8.0, 4.0]))
    assert under.status == "under-trained" and under.under_trained == ["l0", "l1"]
    assert "under-trained" in under.recommendations[0]

    well = summarize(spectra_with_alphas([3.0, 4.0], concentration=0.9))
    assert well.status == "well-trained" and not well.over_trained and not well.under_trained
    assert well.highly_concentrated == ["l0", "l1"]
    assert any("pruning" in r for r in well.recommendations)
    json.dumps(well.to_json().to_json(), allow_nan=False)


def test_summary_without_fitted_layers_says_why():
    empty = summarize([])
    assert empty.status == "unknown" and empty.mean_alpha is None and empty.layers_analyzed == 0
    assert "enough eigenvalues" in empty.reason and empty.recommendations
    unfitted = summarize(spectra_with_alphas([None]))
    assert unfitted.status == "unknown" and "power law" in unfitted.reason
