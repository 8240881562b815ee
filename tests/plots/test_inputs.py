"""plot_inputs.npz: what build_plot_inputs keeps, the size bound, and the round trip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from healthopt.analysis.records import LayerOutput, WeightRecord
from healthopt.plots import inputs as pi
from healthopt.plots.inputs import (
    PlotInputsError,
    build_plot_inputs,
    load_plot_inputs,
    sample_values,
    save_plot_inputs,
)

rng = np.random.default_rng(0)


def _conv(name: str, index: int, shape=(2, 8, 8, 4), kind: str = "conv2d") -> LayerOutput:
    return LayerOutput(name, kind, index, rng.normal(size=shape).astype(np.float32))


def _probs(n: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    probs = rng.random((n, classes))
    return probs / probs.sum(axis=1, keepdims=True), np.arange(n) % classes


def test_sample_values_is_bounded_deterministic_and_drawn_from_the_tensor():
    values = np.arange(100_000, dtype=np.float32).reshape(100, 1000)
    first, second = sample_values(values, 20_000), sample_values(values, 20_000)
    assert first.shape == (20_000,)
    np.testing.assert_array_equal(first, second)
    assert len(np.unique(first)) == 20_000  # without replacement
    assert np.all(np.diff(first) > 0)  # tensor order kept
    np.testing.assert_array_equal(sample_values(values[:2], 20_000), values[:2].ravel())


def test_weights_are_sampled_per_tensor_and_recurrent_kernels_carry_no_bias():
    records = [
        WeightRecord(
            "big", 0, "dense", "kernel", rng.normal(size=(300, 300)), rng.normal(size=300)
        ),
        WeightRecord("lstm", 1, "lstm", "kernel", rng.normal(size=(4, 16)), rng.normal(size=16)),
        WeightRecord("lstm", 1, "lstm", "recurrent_kernel", rng.normal(size=(4, 16))),
    ]
    built = build_plot_inputs(records, [], None, None, None)
    big, kernel, recurrent = built.parameters
    assert big.kernel.size == pi.MAX_KERNEL_VALUES and big.kernel_total == 90_000
    assert big.bias is not None and big.bias_total == 300 and big.bias.size == 300
    assert big.kernel.dtype == np.float16
    assert kernel.bias is not None and recurrent.bias is None and recurrent.bias_total == 0
    assert recurrent.name == "lstm/recurrent_kernel" and recurrent.shape == (4, 16)


def test_float16_never_overflows_to_inf():
    huge = np.full((3, 3), 1e9)
    built = build_plot_inputs([WeightRecord("d", 0, "dense", "kernel", huge)], [], None, None, None)
    assert np.all(np.isfinite(built.parameters[0].kernel))


def test_many_weight_tensors_are_spread_over_the_model():
    records = [WeightRecord(f"d{i}", i, "dense", "kernel", np.ones((2, 2))) for i in range(50)]
    names = [p.name for p in build_plot_inputs(records, [], None, None, None).parameters]
    assert len(names) == pi.MAX_PARAM_LAYERS
    assert names[0] == "d0" and names[-1] == "d49"


def test_feature_maps_take_the_activation_after_each_conv_and_skip_batchnorm():
    outputs = [
        _conv("conv_0", 0),
        _conv("conv_0_bn", 1, kind="batchnormalization"),
        _conv("conv_0_act", 2, kind="activation"),
        _conv("conv_1", 3),  # no activation layer after it
        _conv("pool", 4, shape=(2, 4, 4, 4), kind="maxpooling2d"),
        LayerOutput("dense", "dense", 5, rng.normal(size=(2, 10))),
    ]
    maps = build_plot_inputs([], outputs, None, None, None).feature_maps
    assert [m.layer for m in maps] == ["conv_0_act", "conv_1"]
    np.testing.assert_allclose(maps[0].values, outputs[2].values.astype(np.float16))


def test_feature_maps_are_capped_in_layers_samples_channels_and_pixels():
    outputs = [_conv(f"conv_{i}", i, shape=(5, 8, 8, 40)) for i in range(7)]
    outputs.append(_conv("wide", 9, shape=(3, 128, 128, 32)))
    maps = build_plot_inputs([], outputs, None, None, None).feature_maps
    assert len(maps) == pi.MAX_MAP_LAYERS
    assert maps[0].layer == "conv_0" and maps[-1].layer == "wide"
    for fmap in maps:
        samples, *_, channels = fmap.values.shape
        assert samples == pi.MAX_MAP_SAMPLES and channels == pi.MAX_MAP_CHANNELS
        assert fmap.values[0].size <= pi.MAX_MAP_VALUES
    wide = maps[-1]
    # 128 x 128 x 16 kept channels is 8x the budget: every 3rd pixel (43 x 43 x 16) fits.
    assert wide.shape == (128, 128, 32) and wide.stride == 3
    assert wide.values.shape == (2, 43, 43, 16)


def test_validation_rows_and_samples_are_capped_and_one_hot_labels_accepted():
    probs, labels = _probs(30_000, 100)
    built = build_plot_inputs([], [], probs, np.eye(100)[labels], rng.random((20, 8, 8, 1)))
    assert built.probs.shape == (pi.MAX_PROB_VALUES // 100, 100)
    np.testing.assert_array_equal(built.labels, labels[: len(built.probs)])
    assert built.samples.shape == (pi.MAX_SAMPLES, 8, 8, 1)
    few = build_plot_inputs([], [], *_probs(50, 2), None)
    assert few.probs.shape == (50, 2) and few.samples is None


def test_one_oversized_image_is_strided_and_token_ids_stay_integers():
    big = build_plot_inputs([], [], None, None, rng.random((3, 600, 600, 3)))
    assert big.samples.shape[0] == 1 and big.samples.size <= pi.MAX_SAMPLE_VALUES
    tokens = build_plot_inputs([], [], None, None, rng.integers(0, 50, size=(12, 30)))
    assert tokens.samples.dtype == np.int32 and tokens.samples.shape == (8, 30)
    assert tokens.is_text and not big.is_text


def test_mismatched_probs_and_labels_are_refused():
    with pytest.raises(ValueError, match="one label per row"):
        build_plot_inputs([], [], np.ones((5, 3)) / 3, np.zeros(4), None)


def test_round_trip_keeps_every_array_and_name(tmp_path: Path):
    records = [
        WeightRecord(
            "conv", 0, "conv2d", "kernel", rng.normal(size=(3, 3, 1, 8)), rng.normal(size=8)
        ),
        WeightRecord("lstm", 1, "lstm", "recurrent_kernel", rng.normal(size=(4, 16))),
    ]
    built = build_plot_inputs(
        records,
        [_conv("conv", 0)],
        *_probs(40, 4),
        rng.random((8, 8, 8, 1)),
        class_names=list("abcd"),
    )
    path = save_plot_inputs(tmp_path / "plot_inputs", built)  # no ".npz" appended
    assert path == tmp_path / "plot_inputs"
    with np.load(path, allow_pickle=False) as raw:  # loadable without pickle
        assert "meta" in raw.files
    loaded = load_plot_inputs(path)
    for key in ("probs", "labels", "samples"):
        np.testing.assert_array_equal(getattr(loaded, key), getattr(built, key))
    assert loaded.class_names == ("a", "b", "c", "d")
    for a, b in zip(loaded.parameters, built.parameters, strict=True):
        assert (a.name, a.layer, a.kind, a.role, a.shape) == (
            b.name,
            b.layer,
            b.kind,
            b.role,
            b.shape,
        )
        assert (a.kernel_total, a.bias_total) == (b.kernel_total, b.bias_total)
        np.testing.assert_array_equal(a.kernel, b.kernel)
        assert (a.bias is None) == (b.bias is None)
    (fmap,) = loaded.feature_maps
    assert (fmap.layer, fmap.shape, fmap.stride) == ("conv", (8, 8, 4), 1)
    np.testing.assert_array_equal(fmap.values, built.feature_maps[0].values)


def test_empty_inputs_round_trip(tmp_path: Path):
    loaded = load_plot_inputs(
        save_plot_inputs(tmp_path / "p.npz", build_plot_inputs([], [], None, None, None))
    )
    assert loaded.probs is None and loaded.samples is None
    assert loaded.parameters == () and loaded.feature_maps == ()


def test_worst_case_stays_within_the_stated_bound(tmp_path: Path):
    records = [
        WeightRecord(
            f"d{i}", i, "dense", "kernel", rng.normal(size=(200, 200)), rng.normal(size=6000)
        )
        for i in range(40)
    ]
    outputs = [_conv(f"conv_{i}", i, shape=(2, 45, 45, 32)) for i in range(6)]
    tokens = rng.integers(0, 1000, size=(10, 25_000))
    built = build_plot_inputs(records, outputs, *_probs(30_000, 25), tokens)
    assert 0.95 * pi.WORST_CASE_BYTES < built.nbytes() <= pi.WORST_CASE_BYTES  # every cap hit
    path = save_plot_inputs(tmp_path / "plot_inputs.npz", built)
    assert path.stat().st_size <= pi.WORST_CASE_BYTES
    assert pi.WORST_CASE_BYTES < 4_000_000


def test_unreadable_files_raise_plot_inputs_error(tmp_path: Path):
    with pytest.raises(PlotInputsError, match="no plot inputs file"):
        load_plot_inputs(tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(PlotInputsError, match="cannot read"):
        load_plot_inputs(junk)
    foreign = tmp_path / "foreign.npz"
    np.savez_compressed(foreign, x=np.ones(3))
    with pytest.raises(PlotInputsError, match="no 'meta' entry"):
        load_plot_inputs(foreign)
    future = tmp_path / "future.npz"
    np.savez_compressed(future, meta=np.array(['{"version": 99}']))
    with pytest.raises(PlotInputsError, match="format version 99"):
        load_plot_inputs(future)
    truncated = tmp_path / "truncated.npz"
    good = save_plot_inputs(tmp_path / "good.npz", build_plot_inputs([], [], *_probs(10, 2), None))
    truncated.write_bytes(good.read_bytes()[:-40])
    with pytest.raises(PlotInputsError):
        load_plot_inputs(truncated)
    assert zipfile.is_zipfile(good)
