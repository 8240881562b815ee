"""Effective rank and activation statistics on crafted activations with known structure."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from healthopt.analysis.information_flow import (
    analyze_flow,
    as_unit_matrix,
    effective_rank,
    layer_flow,
)
from healthopt.analysis.records import LayerOutput


def _orthonormal(rng, rows, cols):
    q, _ = np.linalg.qr(rng.normal(size=(rows, cols)))
    return q


def _rank_k(rng, k, samples=300, features=40, energies=None):
    """U diag(s) V^T with k orthonormal directions on both sides."""
    s = np.ones(k) if energies is None else np.asarray(energies, dtype=float)
    return _orthonormal(rng, samples, k) @ np.diag(s) @ _orthonormal(rng, features, k).T


@pytest.mark.parametrize("k", [1, 2, 5, 17, 40])
def test_k_equal_energy_directions_have_effective_rank_k(k):
    m = _rank_k(np.random.default_rng(k), k)
    assert effective_rank(m) == pytest.approx(k, rel=1e-6)


@pytest.mark.parametrize("k", [2, 4, 8, 16])
def test_random_rank_k_activations_have_effective_rank_about_k(k):
    rng = np.random.default_rng(10 + k)
    m = rng.normal(size=(2000, k)) @ rng.normal(size=(k, 64))
    m += 1e-9 * rng.normal(size=m.shape)  # numerical noise must not add directions
    erank = effective_rank(m)
    # Random factors give unequal singular values, so a little below k, never above.
    assert 0.9 * k <= erank <= k + 1e-6


def test_unequal_energies_match_the_entropy_formula():
    # Singular values 3 and 1: p = (3/4, 1/4), erank = exp(-(.75 ln .75 + .25 ln .25)).
    m = _rank_k(np.random.default_rng(0), 2, energies=[3.0, 1.0])
    expected = math.exp(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)))
    assert effective_rank(m) == pytest.approx(expected, rel=1e-9)
    assert effective_rank(np.diag([3.0, 1.0])) == pytest.approx(expected)


def test_centering_removes_a_shared_offset():
    rng = np.random.default_rng(1)
    centred = _rank_k(rng, 3)
    centred -= centred.mean(axis=0)
    shifted = centred + 5.0 * rng.normal(size=(1, centred.shape[1]))
    assert effective_rank(shifted) < 2.0  # the offset dominates the raw spectrum
    assert effective_rank(shifted, center=True) == pytest.approx(effective_rank(centred), rel=1e-6)


def test_zero_matrix_and_bad_input():
    assert effective_rank(np.zeros((5, 3))) == 0.0
    with pytest.raises(ValueError, match="NaN"):
        effective_rank(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="2-D"):
        effective_rank(np.ones(3))


def test_unit_matrix_rows_are_samples_times_positions():
    assert as_unit_matrix(np.zeros((2, 5, 4, 3))).shape == (40, 3)
    assert as_unit_matrix(np.zeros((2, 7, 6))).shape == (14, 6)
    assert as_unit_matrix(np.zeros((9, 4))).shape == (9, 4)
    assert as_unit_matrix(np.zeros(9)).shape == (9, 1)


def test_balanced_full_rank_layer_scores_one():
    # Two orthogonal +-1 columns: half the values positive, nothing dead, erank 2 of 2.
    values = np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])
    flow = layer_flow(LayerOutput("d", "dense", 0, values))
    assert flow.positive_ratio == 0.5 and flow.sparsity == 0.0
    assert flow.dead_fraction == 0.0 and flow.saturated_fraction == 0.0
    assert flow.effective_rank == pytest.approx(2.0)
    assert flow.max_rank == 2
    assert flow.specialization_score == pytest.approx(1.0)


def test_dead_unit_lowers_every_part_of_the_score():
    values = np.array([[1.0, 1.0, 0.0], [-1.0, 1.0, 0.0], [1.0, -1.0, 0.0], [-1.0, -1.0, 0.0]])
    flow = layer_flow(LayerOutput("d", "dense", 0, values))
    assert flow.dead_fraction == pytest.approx(1 / 3)
    assert flow.sparsity == pytest.approx(1 / 3)
    assert flow.positive_ratio == pytest.approx(1 / 3)
    assert flow.effective_rank == pytest.approx(2.0) and flow.max_rank == 3
    # activation health 2/3, balance 1 - |2/3 - 1| = 2/3, rank 2/3.
    assert flow.specialization_score == pytest.approx(2 / 3)


def test_relu_layer_with_dead_and_stuck_units():
    rng = np.random.default_rng(2)
    values = np.maximum(rng.normal(size=(500, 10)), 0.0)
    values[:, :3] = 0.0  # dead: never active
    values[:, 3] = 0.8  # stuck: always the same non-zero value
    values[:, 4] = 1.0 + 1e-7 * rng.normal(size=500)  # stuck up to noise
    flow = layer_flow(LayerOutput("relu", "dense", 1, values))
    assert flow.dead_fraction == pytest.approx(0.3)
    assert flow.saturated_fraction == pytest.approx(0.2)
    expected_positive = (2 * 500 + np.count_nonzero(values[:, 5:] > 0)) / values.size
    assert flow.positive_ratio == pytest.approx(expected_positive)
    assert flow.sparsity == pytest.approx(np.mean(np.abs(values) < 1e-6))
    assert flow.mean == pytest.approx(values.mean())
    assert flow.std == pytest.approx(values.std())
    # Five varying units: the centred rank cannot exceed 5 (plus the near-constant one's noise).
    assert flow.effective_rank <= 5.0 + 1e-3
    assert 0.0 <= flow.specialization_score <= 1.0


def test_conv_map_uses_channels_as_units_and_finds_rank_k():
    rng = np.random.default_rng(3)
    k, channels = 4, 16
    rows = _orthonormal(rng, 8 * 6 * 6, k) @ _orthonormal(rng, channels, k).T
    rows -= rows.mean(axis=0)
    flow = layer_flow(LayerOutput("conv", "conv2d", 2, rows.reshape(8, 6, 6, channels)))
    assert flow.num_units == channels and flow.max_rank == channels
    assert flow.rank_rows == 8 * 6 * 6
    assert flow.shape == (8, 6, 6, channels)
    assert flow.effective_rank == pytest.approx(k, rel=1e-3)


def test_rows_are_subsampled_deterministically_above_the_limit():
    rng = np.random.default_rng(4)
    values = rng.normal(size=(50, 30, 8))  # a sequence: 1500 rows of 8 units
    a = layer_flow(LayerOutput("lstm", "lstm", 0, values), max_rows=200)
    b = layer_flow(LayerOutput("lstm", "lstm", 0, values), max_rows=200)
    assert a.rank_rows == 200 and a.max_rank == 8
    assert a.effective_rank == b.effective_rank
    # Isotropic noise: every direction carries about equal energy.
    assert a.effective_rank > 7.0


def test_non_finite_activations_give_none_with_a_note():
    values = np.ones((4, 3))
    values[0, 0] = np.inf
    flow = layer_flow(LayerOutput("bad", "dense", 0, values))
    d = flow.to_json().to_json()
    assert d["effective_rank"] is None and d["specialization_score"] is None
    assert "NaN or inf" in d["note"]
    json.dumps(d, allow_nan=False)


def test_analyze_flow_keeps_order_and_to_json_is_json():
    rng = np.random.default_rng(5)
    outputs = [
        LayerOutput("a", "dense", 0, rng.normal(size=(20, 6))),
        LayerOutput("b", "conv1d", 1, rng.normal(size=(20, 5, 3))),
    ]
    flows = analyze_flow(outputs)
    assert [f.name for f in flows] == ["a", "b"]
    for flow in flows:
        d = flow.to_json().to_json()
        assert json.loads(json.dumps(d, allow_nan=False)) == d
