"""Weight statistics and health on crafted tensors whose norms and moments are known."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.stats

import healthopt.analysis.weights as weights_module
from healthopt.analysis.records import WeightRecord
from healthopt.analysis.weights import (
    analyze_weights,
    as_matrix,
    health_parts,
    layer_stats,
    spectral_norm,
    summarize_weights,
)


def _record(weights, name="dense", kind="dense", bias=None, index=0, role="kernel"):
    return WeightRecord(name, index, kind, role, np.asarray(weights), bias)


def _glorot(rng, shape, fan_in, fan_out):
    limit = math.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


def test_norms_mean_and_sparsity_of_a_hand_matrix():
    stats = layer_stats(_record([[3.0, -4.0], [0.0, 0.0]]))
    assert stats.l1_norm == pytest.approx(7.0)
    assert stats.l2_norm == pytest.approx(5.0)
    assert stats.spectral_norm == pytest.approx(5.0)
    assert stats.mean == pytest.approx(-0.25)
    assert stats.sparsity == pytest.approx(0.5)
    assert stats.shape == (2, 2)
    assert stats.num_parameters == 4


def test_skew_and_excess_kurtosis_of_a_two_point_distribution():
    # Values 0, 0, 0, 1: central moments m2 = 3/16, m3 = 3/32, m4 = 21/256, so
    # skew = m3 / m2^1.5 = 2/sqrt(3) and excess kurtosis = m4 / m2^2 - 3 = -2/3.
    stats = layer_stats(_record([[0.0, 0.0], [0.0, 1.0]]))
    assert stats.skew == pytest.approx(2 / math.sqrt(3))
    assert stats.kurtosis == pytest.approx(-2 / 3)
    assert stats.std == pytest.approx(math.sqrt(3 / 16))


def test_chunked_moments_match_scipy_stats(monkeypatch):
    rng = np.random.default_rng(7)
    values = rng.gamma(2.0, size=(31, 17)).astype(np.float32)  # skewed, heavy right tail
    monkeypatch.setattr(weights_module, "_CHUNK", 50)  # several chunks, a ragged last one
    stats = layer_stats(_record(values))
    flat = values.ravel().astype(np.float64)
    assert stats.skew == pytest.approx(scipy.stats.skew(flat), rel=1e-9)
    assert stats.kurtosis == pytest.approx(scipy.stats.kurtosis(flat), rel=1e-9)
    assert stats.std == pytest.approx(flat.std(), rel=1e-12)
    assert stats.l1_norm == pytest.approx(np.abs(flat).sum(), rel=1e-12)
    assert stats.l2_norm == pytest.approx(np.linalg.norm(flat), rel=1e-12)


def test_sparsity_threshold_counts_values_below_it():
    record = _record([[1e-4, 1e-2], [0.5, -1e-3]])
    (stats,) = analyze_weights([record], sparsity_threshold=5e-3)
    assert stats.sparsity == pytest.approx(0.5)
    (stats,) = analyze_weights([record])
    assert stats.sparsity == 0.0
    with pytest.raises(ValueError, match="sparsity_threshold"):
        analyze_weights([record], sparsity_threshold=-1.0)


def test_conv_kernel_is_read_as_receptive_field_by_out_matrix():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(3 * 3 * 4, 6))
    kernel = matrix.reshape(3, 3, 4, 6)
    assert as_matrix(kernel).shape == (36, 6)
    stats = layer_stats(_record(kernel, kind="conv2d"))
    assert stats.spectral_norm == pytest.approx(np.linalg.norm(matrix, 2))
    # Typical gain: RMS singular value ||W||_F / sqrt(min(36, 6)).
    assert stats.typical_gain == pytest.approx(np.linalg.norm(matrix) / math.sqrt(6))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(50, 20), (20, 50), (64, 64)])
def test_spectral_norm_gram_and_lanczos_paths_agree_with_svd(shape, dtype):
    rng = np.random.default_rng(1)
    m = rng.normal(size=shape).astype(dtype)
    expected = np.linalg.norm(m.astype(np.float64), 2)
    assert spectral_norm(m) == pytest.approx(expected, rel=1e-9 if dtype == np.float64 else 1e-5)
    assert spectral_norm(m, gram_limit=1) == pytest.approx(expected, rel=1e-5)


def test_glorot_initialised_layers_are_healthy():
    rng = np.random.default_rng(2)
    records = [
        _record(_glorot(rng, (784, 128), 784, 128)),
        _record(_glorot(rng, (3, 3, 3, 32), 27, 288), name="conv", kind="conv2d"),
        _record(rng.normal(0, 0.05, (1000, 32)), name="emb", kind="embedding"),
    ]
    for stats in analyze_weights(records):
        assert stats.health_score > 0.95, stats


def test_health_score_is_geometric_mean_of_its_parts():
    rng = np.random.default_rng(3)
    weights = rng.standard_t(4, size=(100, 80)) * (rng.random((100, 80)) < 0.7)
    stats = layer_stats(_record(weights))
    parts = (stats.norm_health, stats.sparsity_health, stats.distribution_health)
    assert all(0.0 <= p <= 1.0 for p in parts)
    assert stats.health_score == pytest.approx(math.prod(parts) ** (1 / 3))
    assert stats.sparsity_health == pytest.approx(1 - stats.sparsity)


def test_health_parts_follow_the_documented_formulas():
    # Gains within a decade of 1 are fully healthy; each decade beyond costs a factor e.
    assert health_parts(5.0, 0.0, 0.0, 0.0, 1.0)[0] == 1.0
    assert health_parts(0.1, 0.0, 0.0, 0.0, 1.0)[0] == pytest.approx(1.0)
    assert health_parts(100.0, 0.0, 0.0, 0.0, 1.0)[0] == pytest.approx(math.exp(-1))
    assert health_parts(1e-3, 0.0, 0.0, 0.0, 1.0)[0] == pytest.approx(math.exp(-2))
    assert health_parts(0.0, 0.0, 0.0, 0.0, 1.0)[0] == 0.0
    assert health_parts(1.0, 0.25, 0.0, 0.0, 1.0)[1] == pytest.approx(0.75)
    # Skew 2 or excess kurtosis 7 alone halve the distribution health; light tails are free.
    assert health_parts(1.0, 0.0, 2.0, 0.0, 1.0)[2] == pytest.approx(0.5)
    assert health_parts(1.0, 0.0, -2.0, 0.0, 1.0)[2] == pytest.approx(0.5)
    assert health_parts(1.0, 0.0, 0.0, 7.0, 1.0)[2] == pytest.approx(0.5)
    assert health_parts(1.0, 0.0, 0.0, -1.2, 1.0)[2] == 1.0
    assert health_parts(1.0, 0.0, math.nan, math.nan, 0.0)[2] == 0.0


def test_pathologies_lower_the_health_below_a_healthy_layer():
    rng = np.random.default_rng(4)
    healthy = _glorot(rng, (200, 200), 200, 200)
    exploded = layer_stats(_record(healthy * 1000.0))
    sparse = layer_stats(_record(healthy * (rng.random((200, 200)) < 0.1)))
    heavy = layer_stats(_record(0.05 * rng.standard_t(2, size=(200, 200))))
    base = layer_stats(_record(healthy)).health_score
    assert exploded.norm_health < 0.2 and exploded.health_score < base - 0.3
    assert sparse.sparsity == pytest.approx(0.9, abs=0.02)
    assert sparse.health_score < base - 0.3
    assert heavy.distribution_health < 0.1 and heavy.health_score < base - 0.3


def test_all_zero_layer_scores_zero():
    stats = layer_stats(_record(np.zeros((10, 10))))
    assert stats.health_score == 0.0 and stats.std == 0.0
    assert stats.sparsity == 1.0
    assert stats.skew != stats.skew  # NaN: undefined for a constant tensor
    d = stats.to_json().to_json()
    assert d["skew"] is None and d["kurtosis"] is None and "constant" in d["note"]


def test_constant_non_zero_layer_has_no_rounding_noise_moments():
    stats = layer_stats(_record(np.full((30, 7), 0.1, dtype=np.float32)))
    assert stats.std == 0.0 and math.isnan(stats.skew) and math.isnan(stats.kurtosis)
    assert stats.distribution_health == 0.0 and stats.health_score == 0.0


def test_non_finite_weights_are_broken_not_unknown():
    weights = np.ones((4, 4))
    weights[1, 2] = np.nan
    stats = layer_stats(_record(weights))
    assert stats.health_score == 0.0
    assert "NaN" in stats.note
    d = stats.to_json().to_json()
    assert d["l2_norm"] is None and d["spectral_norm"] is None and d["health_score"] == 0.0
    json.dumps(d, allow_nan=False)


def test_biases_only_when_asked_and_present():
    with_bias = _record(np.eye(3), bias=np.array([1.0, 2.0, 3.0]))
    without = _record(np.eye(3), name="nobias", index=1)
    first, second = analyze_weights([with_bias, without], include_biases=True)
    assert first.bias_mean == pytest.approx(2.0)
    assert first.bias_std == pytest.approx(math.sqrt(2 / 3))
    assert second.bias_mean is None and second.bias_std is None
    (plain, _) = analyze_weights([with_bias, without])
    assert plain.bias_mean is None
    assert plain.num_parameters == 12


def test_layer_kinds_filter_accepts_keras_class_names():
    records = [
        _record(np.eye(4), name="d", kind="dense"),
        _record(np.ones((3, 3, 2, 2)), name="c", kind="conv2d", index=1),
        _record(np.eye(4), name="l", kind="lstm", index=2),
    ]
    assert [s.name for s in analyze_weights(records, layer_kinds=["Dense", "Conv2D"])] == [
        "d",
        "c",
    ]
    assert [s.name for s in analyze_weights(records, layer_kinds=["lstm"])] == ["l"]
    assert analyze_weights(records, layer_kinds=[]) == []


def test_recurrent_kernel_keeps_its_role_in_the_name():
    stats = layer_stats(_record(np.eye(4), name="lstm", kind="lstm", role="recurrent_kernel"))
    assert stats.name == "lstm/recurrent_kernel"
    assert stats.role == "recurrent_kernel"
    # An orthogonal matrix has every singular value 1: gain 1, spectral norm 1.
    assert stats.spectral_norm == pytest.approx(1.0)
    assert stats.typical_gain == pytest.approx(1.0)


def test_summary_totals_and_weakest_layer():
    rng = np.random.default_rng(5)
    good = _record(_glorot(rng, (64, 32), 64, 32), name="good", bias=np.zeros(32))
    bad = _record(np.zeros((8, 8)), name="bad", index=1)
    stats = analyze_weights([good, bad])
    summary = summarize_weights(stats)
    assert summary.total_parameters == 64 * 32 + 32 + 64
    assert summary.weakest_layer == "bad"
    assert summary.min_health == 0.0
    assert summary.mean_health == pytest.approx((stats[0].health_score + 0.0) / 2)
    assert summary.mean_sparsity == pytest.approx((stats[0].sparsity + 1.0) / 2)
    assert summary.layers_analyzed == 2
    json.dumps(summary.to_json().to_json(), allow_nan=False)
    empty = summarize_weights([])
    assert empty.total_parameters == 0 and empty.mean_health is None
    assert empty.weakest_layer is None


def test_to_json_is_plain_json():
    rng = np.random.default_rng(6)
    (stats,) = analyze_weights(
        [_record(rng.normal(size=(5, 7)), bias=np.ones(7))], include_biases=True
    )
    d = stats.to_json().to_json()
    assert d["shape"] == [5, 7]
    assert d["bias_mean"] == 1.0 and d["bias_std"] == 0.0
    assert json.loads(json.dumps(d, allow_nan=False)) == d
