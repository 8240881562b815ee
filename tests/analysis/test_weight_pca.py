"""weight_pca: models placed by their averaged weight statistics."""

from __future__ import annotations

import numpy as np
import pytest

from healthopt.analysis import weights
from healthopt.analysis.records import WeightRecord
from healthopt.analysis.weight_pca import WeightPCAError, weight_pca


def stats(scale: float, seed: int) -> list:
    rng = np.random.default_rng(seed)
    records = [
        WeightRecord(f"d{i}", i, "dense", "kernel", (scale * rng.normal(size=(30, 20))))
        for i in range(2)
    ]
    return weights.analyze_weights(records)


def test_models_with_similar_weights_land_close_together() -> None:
    pca = weight_pca(
        {"a": stats(0.1, 0), "a_twin": stats(0.1, 1), "b": stats(3.0, 2), "c": stats(0.5, 3)}
    )
    assert pca.models == ("a", "a_twin", "b", "c")
    a, twin, b = (np.array(pca.coordinates_of(m)) for m in ("a", "a_twin", "b"))
    assert np.linalg.norm(a - twin) < 0.2 * np.linalg.norm(a - b)
    assert 0.5 < pca.explained_variance[0] <= 1.0
    assert sum(pca.explained_variance) <= 1.0 + 1e-9
    assert "l2_norm" in pca.features
    data = pca.to_json().to_json()
    assert set(data["coordinates"]) == {"a", "a_twin", "b", "c"}


def test_reruns_give_the_same_map() -> None:
    inputs = {"a": stats(0.1, 0), "b": stats(3.0, 2), "c": stats(0.5, 3)}
    np.testing.assert_allclose(weight_pca(inputs).coordinates, weight_pca(inputs).coordinates)


def test_too_few_models_or_identical_models_raise_with_the_reason() -> None:
    with pytest.raises(WeightPCAError, match="at least 3 models \\(have 2\\)"):
        weight_pca({"a": stats(0.1, 0), "b": stats(1.0, 1), "c": []})
    same = stats(0.1, 0)
    with pytest.raises(WeightPCAError, match="do not differ enough"):
        weight_pca({"a": same, "b": same, "c": same})
