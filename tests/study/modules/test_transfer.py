"""Transfer module: adapting images and token sequences, choosing a source without ever
downloading, and transfer accuracy on real tiny models (a copy of the holdout transfers
perfectly: its accuracy is the holdout accuracy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from healthopt.data.corruptions import OOV_ID
from healthopt.study.context import AnalysisContext
from healthopt.study.modules import transfer
from healthopt.study.modules.transfer import (
    Source,
    convert_channels,
    prepare,
    resize_images,
    resolve_source,
)

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def empty_keras_home(tmp_path, monkeypatch) -> Path:
    """No keras dataset is cached unless a test puts one there."""
    home = tmp_path / "keras_home"
    (home / "datasets").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def _with_transfer(study, x: np.ndarray, y: np.ndarray, path: Path) -> AnalysisContext:
    np.savez(path, x=x, y=y)
    metadata, paths = study
    config = {**metadata.config, "transfer_dataset": f"npz:{path}"}
    return AnalysisContext(metadata.with_updates(config=config), paths)


def test_resize_averages_blocks_when_shrinking():
    x = np.zeros((1, 4, 4, 1), dtype=np.float32)
    x[0, :2, :2, 0] = [[0.0, 0.2], [0.4, 0.6]]  # top-left block, mean 0.3
    x[0, 2:, 2:, 0] = 1.0
    out, method = resize_images(x, 2, 2)
    assert method == "box" and out.dtype == np.float32
    np.testing.assert_allclose(out[0, :, :, 0], [[0.3, 0.0], [0.0, 1.0]], atol=1e-6)


def test_resize_enlarges_bilinearly_within_the_unit_range():
    constant = np.full((2, 3, 3, 3), 0.25, dtype=np.float32)
    out, method = resize_images(constant, 7, 7)
    assert method == "bilinear" and out.shape == (2, 7, 7, 3)
    np.testing.assert_allclose(out, 0.25, atol=1e-6)
    ramp = np.linspace(0, 1, 9, dtype=np.float32).reshape(1, 3, 3, 1)
    out, _ = resize_images(ramp, 8, 8)
    assert out.min() >= 0.0 and out.max() <= 1.0
    same, method = resize_images(ramp, 3, 3)
    assert method is None and same is ramp


def test_channels_repeat_gray_and_average_rgb():
    gray = np.random.default_rng(0).random((2, 3, 3, 1), dtype=np.float32)
    rgb, how = convert_channels(gray, 3)
    assert how == "gray to RGB" and all(np.array_equal(rgb[..., c], gray[..., 0]) for c in range(3))
    back, how = convert_channels(rgb, 1)
    assert how == "RGB to gray"
    np.testing.assert_allclose(back, gray, atol=1e-7)
    colored = np.zeros((1, 1, 1, 3), dtype=np.float32)
    colored[..., 0] = 0.9
    assert convert_channels(colored, 1)[0].item() == pytest.approx(0.3)


def test_prepare_drops_unknown_labels_subsamples_and_adapts():
    rng = np.random.default_rng(1)
    x = rng.random((30, 28, 28), dtype=np.float32)  # no channel axis, like raw MNIST
    y = np.arange(30) % 12  # labels 10 and 11 mean nothing to a 10-class model
    prepared = prepare(x, y, "image", (8, 8, 3), 10, 0, seed=3, limit=20)
    assert prepared.dropped_labels == 4 and prepared.available == 26
    assert prepared.x.shape == (20, 8, 8, 3) and prepared.y.max() < 10
    assert (prepared.resize, prepared.channels) == ("box", "gray to RGB")
    assert prepared.original_shape == (28, 28, 1)
    again = prepare(x, y, "image", (8, 8, 3), 10, 0, seed=3, limit=20)
    np.testing.assert_array_equal(again.x, prepared.x)  # the subsample is seeded
    assert prepare(x, y + 10, "image", (8, 8, 1), 10, 0, seed=0).startswith("no transfer sample")


def test_prepare_text_needs_the_same_length_and_maps_unknown_ids_to_oov():
    x = np.array([[0, 5, 7], [4, 12, 3]], dtype=np.int32)
    prepared = prepare(x, np.array([0, 1]), "text", (3,), 2, 10, seed=0)
    np.testing.assert_array_equal(prepared.x, [[0, 5, 7], [4, OOV_ID, 3]])
    assert prepared.remapped_tokens == 1 and prepared.resize is None
    reason = prepare(x, np.array([0, 1]), "text", (5,), 2, 10, seed=0)
    assert "length 3" in reason and "5 tokens" in reason


def test_sources_never_download(empty_keras_home):
    assert "No related dataset" in resolve_source(None, "cifar10")
    assert "No related dataset" in resolve_source(None, "npz:/data/tokens.npz")
    reason = resolve_source(None, "digits")
    assert isinstance(reason, str)
    for part in ("mnist", "not downloaded", "--transfer-dataset npz:PATH", "keras.datasets.mnist"):
        assert part in reason
    assert "download" in resolve_source("cifar10", "digits")
    digits = resolve_source(None, "mnist")
    assert isinstance(digits, Source) and digits.name == "digits"


def test_a_cached_mnist_is_read_from_the_keras_cache(empty_keras_home):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": np.arange(6),
        "x_test": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "y_test": np.arange(4),
    }
    np.savez(empty_keras_home / "datasets" / "mnist.npz", **arrays)
    source = resolve_source(None, "digits")
    assert isinstance(source, Source) and source.modality == "image"
    x, y = source.fetch()
    assert x.shape == (10, 28, 28, 1) and x.max() <= 1.0 and len(y) == 10


def test_digits_study_without_mnist_is_unavailable(image_context):
    result = transfer.run(image_context)
    assert not result.available
    assert "mnist" in result.reason and "--transfer-dataset" in result.reason
    assert result.figures == []


def test_a_copy_of_the_holdout_transfers_at_the_holdout_accuracy(tiny_image_study, tmp_path):
    probe = AnalysisContext(*tiny_image_study)
    holdout = probe.dataset.holdout
    context = _with_transfer(tiny_image_study, holdout.x, holdout.y, tmp_path / "same.npz")
    result = transfer.run(context)
    assert result.available
    assert result.data.samples == len(holdout.y) and result.data.resize is None
    for mode in context.modes:
        for mut in context.models[mode]:
            model = result.data.models[mut.key]
            assert model.transfer_accuracy == pytest.approx(context.holdout_accuracy(mut))
            assert model.transfer_ratio == pytest.approx(model.transfer_accuracy / mut.val_accuracy)


def test_shifted_digits_compare_the_modes(tiny_image_study, tmp_path):
    holdout = AnalysisContext(*tiny_image_study).dataset.holdout
    shifted = np.zeros_like(holdout.x)
    shifted[:, :, 1:] = holdout.x[:, :, :-1]  # one pixel to the right
    context = _with_transfer(tiny_image_study, shifted, holdout.y, tmp_path / "shifted.npz")
    result = transfer.run(context)
    assert result.available and result.name == "transfer"
    data = result.data
    assert data.source.startswith("npz:") and data.samples == len(holdout.y)
    for model in data.models.values():
        assert 0.0 <= model.transfer_accuracy <= 1.0
    assert {t.metric for t in result.tests} == {"transfer accuracy", "transfer ratio"}
    for test in result.tests:
        for p in (test.primary.p_value, test.secondary.p_value):
            assert p is None or 0.0 <= p <= 1.0
    (figure,) = result.figures
    assert (context.paths.analysis_dir / figure.path).read_bytes()[:8] == PNG
    assert len(result.tables[1].rows) == 2 and 2 <= len(result.summary) <= 5
    result.to_json_text()


def test_text_transfer(tiny_text_study, tmp_path, text_context):
    assert "No related dataset" in transfer.run(text_context).reason
    holdout = text_context.dataset.holdout
    same = _with_transfer(tiny_text_study, holdout.x, holdout.y, tmp_path / "tokens.npz")
    result = transfer.run(same)
    assert result.available
    for mode in same.modes:
        for mut in same.models[mode]:
            accuracy = result.data.models[mut.key].transfer_accuracy
            assert accuracy == pytest.approx(same.holdout_accuracy(mut))
    longer = np.pad(holdout.x, ((0, 0), (4, 0)))
    other = _with_transfer(tiny_text_study, longer, holdout.y, tmp_path / "longer.npz")
    result = transfer.run(other)
    assert not result.available and "same length" in result.reason


def test_images_for_a_text_study_are_unavailable(tiny_text_study, tmp_path):
    x = np.zeros((5, 8, 8, 1), dtype=np.float32)
    context = _with_transfer(tiny_text_study, x, np.zeros(5, dtype=int), tmp_path / "img.npz")
    result = transfer.run(context)
    assert not result.available and "image data" in result.reason


def test_a_cached_mnist_is_resized_to_the_digits_models(tiny_image_study, empty_keras_home):
    """MNIST-sized copies of the digits holdout, box-averaged back to 8x8."""
    holdout = AnalysisContext(*tiny_image_study).dataset.holdout
    large, _ = resize_images(holdout.x, 28, 28)
    pixels = np.round(large[..., 0] * 255).astype(np.uint8)
    half = len(pixels) // 2
    np.savez(
        empty_keras_home / "datasets" / "mnist.npz",
        x_train=pixels[:half],
        y_train=holdout.y[:half],
        x_test=pixels[half:],
        y_test=holdout.y[half:],
    )
    result = transfer.run(AnalysisContext(*tiny_image_study))
    assert result.available and result.data.source == "mnist"
    assert result.data.resize == "box" and result.data.original_shape == [28, 28, 1]
    assert result.data.samples == len(holdout.y)
    assert "block averaging" in result.summary[0]
