"""compare_randomized: learned structure shows as eigenvalues above the shuffled baseline."""

from __future__ import annotations

import numpy as np

from healthopt.analysis.randomized import compare_randomized, jensen_shannon_distance, shuffled
from healthopt.analysis.records import WeightRecord


def record(weights: np.ndarray, name: str = "w") -> WeightRecord:
    return WeightRecord(name, 0, "dense", "kernel", weights.astype(np.float32))


def test_planted_low_rank_signal_gives_spikes_and_noise_gives_none() -> None:
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(400, 200))
    u, v = rng.normal(size=(400, 3)), rng.normal(size=(3, 200))
    signal = noise + 0.6 * u @ v  # three strong directions on top of the noise
    found = compare_randomized([record(noise, "noise"), record(signal, "signal")], seed=1)
    by_name = {r.name: r for r in found}
    assert by_name["noise"].num_spikes <= 1
    assert by_name["signal"].num_spikes >= 3
    assert by_name["signal"].rand_distance > by_name["noise"].rand_distance
    assert by_name["signal"].max_eval > 5 * by_name["signal"].rand_max_eval


def test_shuffle_keeps_values_within_each_conv_slice() -> None:
    rng = np.random.default_rng(0)
    kernel = np.stack([np.full((4, 5), i) for i in range(6)]).reshape(2, 3, 4, 5) + rng.random(
        (2, 3, 4, 5)
    )
    mixed = shuffled(WeightRecord("c", 0, "conv2d", "kernel", kernel), rng).weights
    assert mixed.shape == kernel.shape
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(np.sort(mixed[i, j].ravel()), np.sort(kernel[i, j].ravel()))
    assert not np.array_equal(mixed, kernel)


def test_small_layers_are_left_out_and_distance_bounds() -> None:
    assert compare_randomized([record(np.ones((5, 3)))], min_evals=10) == []
    a = np.array([1.0, 2.0, 3.0])
    assert jensen_shannon_distance(a, a) == 0.0
    assert jensen_shannon_distance(a, a * 1000) == 1.0
