from __future__ import annotations

import numpy as np
import pytest

from healthopt.data import IMAGE, TEXT
from healthopt.data.corruptions import (
    IMAGE_CORRUPTIONS,
    IMAGE_SHIFTS,
    OOV_ID,
    TEXT_CORRUPTIONS,
    TEXT_SHIFTS,
    Corruption,
    corruptions_for,
    shifts_for,
)

ALL = {
    **IMAGE_CORRUPTIONS,
    **IMAGE_SHIFTS,
    **TEXT_CORRUPTIONS,
    **TEXT_SHIFTS,
}
IMAGE_ALL = [c for c in ALL.values() if c.modality == IMAGE]
RANDOM = ("gaussian_noise", "salt_pepper", "token_dropout", "char_noise", "word_order")


def _images(channels: int, n: int = 4, size: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, size, size, channels)).astype(np.float32)


def _tokens(lengths, length: int = 20, seed: int = 0) -> np.ndarray:
    """Left-padded rows of ids >= 3, so that padding (0) and OOV (2) never occur as content."""
    rng = np.random.default_rng(seed)
    x = np.zeros((len(lengths), length), dtype=np.int32)
    for row, n in enumerate(lengths):
        if n:
            x[row, length - n :] = rng.integers(3, 500, size=n)
    return x


def _real(row: np.ndarray) -> np.ndarray:
    return row[row != 0]


def _inputs(c: Corruption) -> list[np.ndarray]:
    if c.modality == IMAGE:
        return [_images(1), _images(3)]
    return [_tokens([20, 15, 10, 7, 1, 0])]


def _cases():
    for c in ALL.values():
        for i, x in enumerate(_inputs(c)):
            yield pytest.param(c, x, id=f"{c.name}-{i}")


def _mean_change(c: Corruption, x: np.ndarray, seed: int = 0) -> list[float]:
    return [float(np.abs(c.apply(x, v, seed) - x).mean()) for v in c.levels]


# --- registries ------------------------------------------------------------------------


def test_registries_hold_the_contracted_names_in_order():
    assert list(IMAGE_CORRUPTIONS) == ["gaussian_noise", "gaussian_blur", "jpeg", "salt_pepper"]
    assert list(IMAGE_SHIFTS) == ["rotation", "brightness", "contrast"]
    assert list(TEXT_CORRUPTIONS) == ["token_dropout", "char_noise"]
    assert list(TEXT_SHIFTS) == ["word_order", "truncation"]
    assert corruptions_for(IMAGE) == IMAGE_CORRUPTIONS and shifts_for(TEXT) == TEXT_SHIFTS
    assert corruptions_for(TEXT) == TEXT_CORRUPTIONS and shifts_for(IMAGE) == IMAGE_SHIFTS
    assert OOV_ID == 2
    with pytest.raises(ValueError, match="unknown modality 'audio'"):
        corruptions_for("audio")


@pytest.mark.parametrize("c", list(ALL.values()), ids=list(ALL))
def test_registry_entries_are_well_formed(c: Corruption):
    assert all(c.name == name for name, entry in ALL.items() if entry is c)
    assert c.title and c.parameter
    assert c.levels[0] == (1.0 if c.name in ("brightness", "contrast") else 0.0)
    if c.name in IMAGE_CORRUPTIONS or c.name in TEXT_CORRUPTIONS:
        assert list(c.levels) == sorted(c.levels) and len(set(c.levels)) == len(c.levels)


# --- properties shared by every corruption and shift -----------------------------------


@pytest.mark.parametrize(("c", "x"), list(_cases()))
def test_every_level_keeps_shape_dtype_and_valid_values(c: Corruption, x: np.ndarray):
    for index in range(len(c.levels)):
        out = c.at_severity(x, index, seed=3)
        assert out.shape == x.shape and out.dtype == x.dtype
        if c.modality == IMAGE:
            assert out.min() >= 0.0 and out.max() <= 1.0
        else:
            assert np.all(out[x == 0] == 0), "padding must stay padding"
            assert out.min() >= 0 and out.max() <= max(x.max(), OOV_ID)
            nonzero = out != 0
            # left-padded: once a row has a real token, every later position is real too
            assert np.all(np.maximum.accumulate(nonzero, axis=1) == nonzero)


@pytest.mark.parametrize(("c", "x"), list(_cases()))
def test_identity_level_returns_an_equal_copy(c: Corruption, x: np.ndarray):
    out = c.at_severity(x, 0, seed=5)
    assert np.array_equal(out, x) and out is not x
    out[...] = 0
    assert x.any(), "the copy must not share memory with the input"


@pytest.mark.parametrize(("c", "x"), list(_cases()))
def test_input_is_never_modified(c: Corruption, x: np.ndarray):
    before = x.copy()
    for value in c.levels:
        c.apply(x, value, seed=1)
    assert np.array_equal(x, before)


@pytest.mark.parametrize(("c", "x"), list(_cases()))
def test_same_seed_same_output(c: Corruption, x: np.ndarray):
    top = len(c.levels) - 1
    assert np.array_equal(c.at_severity(x, top, seed=7), c.at_severity(x, top, seed=7))
    changed = c.at_severity(x, top, seed=7)
    assert not np.array_equal(changed, x), "the strongest level must change the input"
    if c.name in RANDOM:
        assert not np.array_equal(changed, c.at_severity(x, top, seed=8))


@pytest.mark.parametrize("c", IMAGE_ALL, ids=[c.name for c in IMAGE_ALL])
def test_empty_batch_passes_through(c: Corruption):
    empty = np.zeros((0, 8, 8, 3), dtype=np.float32)
    assert c.at_severity(empty, len(c.levels) - 1).shape == (0, 8, 8, 3)


# --- severity grows with the level -----------------------------------------------------


def _blob(size: int = 32, offset: float = 8.0) -> np.ndarray:
    """A soft bright spot off the centre: rotating it moves it further the larger the angle."""
    rows, cols = np.mgrid[0:size, 0:size]
    centre = (size - 1) / 2
    spot = np.exp(-((rows - centre) ** 2 + (cols - centre - offset) ** 2) / (2 * 3.0**2))
    return spot[np.newaxis, ..., np.newaxis].astype(np.float32)


@pytest.mark.parametrize("name", ["gaussian_noise", "gaussian_blur", "jpeg", "salt_pepper"])
@pytest.mark.parametrize("channels", [1, 3])
def test_image_corruptions_change_more_at_each_level(name: str, channels: int):
    change = _mean_change(IMAGE_CORRUPTIONS[name], _images(channels, n=8, size=32))
    assert change[0] == 0.0
    assert all(b > a for a, b in zip(change, change[1:], strict=False)), change


def test_rotation_changes_more_at_each_angle():
    change = _mean_change(IMAGE_SHIFTS["rotation"], _blob())
    assert change[0] == 0.0
    assert all(b > a for a, b in zip(change, change[1:], strict=False)), change


@pytest.mark.parametrize("rate", [0.05, 0.1, 0.2, 0.3])
def test_token_dropout_removes_about_rate_of_the_tokens_in_order(rate: float):
    x = _tokens(np.random.default_rng(1).integers(0, 21, size=3000))
    out = TEXT_CORRUPTIONS["token_dropout"].apply(x, rate, seed=2)
    removed = 1 - np.count_nonzero(out) / np.count_nonzero(x)
    assert abs(removed - rate) < 0.015
    for before, after in zip(x[:50], out[:50], strict=True):
        kept, source = list(_real(after)), iter(_real(before))
        assert all(token in source for token in kept), "kept tokens keep their order"


@pytest.mark.parametrize("rate", [0.05, 0.1, 0.2, 0.3])
def test_char_noise_turns_about_rate_of_the_tokens_into_oov(rate: float):
    x = _tokens(np.random.default_rng(1).integers(0, 21, size=3000))
    out = TEXT_CORRUPTIONS["char_noise"].apply(x, rate, seed=2)
    changed = out != x
    assert np.all(out[changed] == OOV_ID)
    assert abs(changed.sum() / np.count_nonzero(x) - rate) < 0.015


# --- exact cases -----------------------------------------------------------------------


def test_salt_pepper_sets_the_fraction_of_whole_pixels_to_black_or_white():
    x = np.full((1, 200, 200, 3), 0.5, dtype=np.float32)
    out = IMAGE_CORRUPTIONS["salt_pepper"].apply(x, 0.2, seed=0)
    hit = np.any(out != 0.5, axis=-1)
    assert abs(hit.mean() - 0.2) < 0.01
    pixels = out[hit]
    assert np.all(pixels == pixels[:, :1]), "all channels of a pixel change together"
    assert set(np.unique(pixels)) == {0.0, 1.0}


def test_gaussian_blur_mixes_neither_channels_nor_images():
    x = np.zeros((2, 9, 9, 3), dtype=np.float32)
    x[0, 4, 4, 0] = 1.0
    out = IMAGE_CORRUPTIONS["gaussian_blur"].apply(x, 1.0)
    assert not out[1].any() and not out[0, ..., 1:].any()
    assert out[0, 4, 4, 0] < 1.0 and out[0, 4, 5, 0] > 0.0
    assert out[0, 4, 5, 0] == pytest.approx(out[0, 5, 4, 0])  # isotropic in H and W


def test_jpeg_keeps_smooth_images_close_at_mild_loss():
    ramp = np.linspace(0, 1, 16, dtype=np.float32)
    x = np.tile(ramp, (16, 1)).reshape(1, 16, 16, 1)  # brightness rises left to right
    out = IMAGE_CORRUPTIONS["jpeg"].apply(x, 25.0)
    assert np.abs(out - x).max() < 0.1 and not np.array_equal(out, x)


def test_brightness_half_halves_every_value():
    x = _images(3)
    assert np.array_equal(IMAGE_SHIFTS["brightness"].apply(x, 0.5), x * np.float32(0.5))


def test_brightness_clips_at_white():
    x = np.full((1, 2, 2, 1), 0.8, dtype=np.float32)
    assert np.all(IMAGE_SHIFTS["brightness"].apply(x, 1.5) == 1.0)


@pytest.mark.parametrize("factor", [0.5, 1.5])
def test_contrast_scales_deviations_about_each_images_mean(factor: float):
    pattern = np.array([0.4, 0.6, 0.45, 0.55], dtype=np.float32).reshape(1, 2, 2, 1)
    x = np.concatenate([pattern, pattern - 0.1])  # two images, means 0.5 and 0.4
    out = IMAGE_SHIFTS["contrast"].apply(x, factor)
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), [0.5, 0.4], atol=1e-6)
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(out - mean, (x - mean) * factor, atol=1e-6)


def test_rotation_by_90_degrees_is_rot90():
    x = _images(3)
    np.testing.assert_allclose(
        IMAGE_SHIFTS["rotation"].apply(x, 90.0), np.rot90(x, axes=(1, 2)), atol=1e-6
    )


def test_rotation_fills_the_uncovered_corners_with_black():
    x = np.ones((1, 16, 16, 1), dtype=np.float32)
    out = IMAGE_SHIFTS["rotation"].apply(x, 45.0)
    assert out[0, 0, 0, 0] == 0.0 and out[0, 8, 8, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("window", [2, 4, 8])
def test_word_order_shuffles_only_inside_windows(window: int):
    x = np.zeros((1, 20), dtype=np.int32)
    x[0, 3:] = np.arange(3, 20)  # 17 distinct real tokens after 3 padding positions
    out = TEXT_SHIFTS["word_order"].apply(x, window, seed=4)
    assert np.array_equal(out[0, :3], [0, 0, 0])
    before, after = _real(x[0]), _real(out[0])
    assert sorted(after) == sorted(before)
    assert not np.array_equal(after, before)
    for start in range(0, len(before), window):
        chunk = slice(start, start + window)
        assert sorted(after[chunk]) == sorted(before[chunk])


def test_word_order_keeps_the_multiset_of_each_row():
    x = _tokens([20, 15, 10, 7, 1, 0])
    out = TEXT_SHIFTS["word_order"].apply(x, 4, seed=0)
    for before, after in zip(x, out, strict=True):
        assert sorted(_real(before)) == sorted(_real(after))


def test_truncation_keeps_the_last_real_tokens_and_re_pads():
    x = np.zeros((3, 12), dtype=np.int32)
    x[0, 2:] = np.arange(10, 20)  # 10 real tokens
    x[1, 5:] = np.arange(30, 37)  # 7 real tokens: half is 3.5, floor(3.5) = 3 are dropped
    out = TEXT_SHIFTS["truncation"].apply(x, 0.5)
    assert np.array_equal(out[0], [0] * 7 + [15, 16, 17, 18, 19])
    assert np.array_equal(out[1], [0] * 8 + [33, 34, 35, 36])
    assert not out[2].any()
    assert not TEXT_SHIFTS["truncation"].apply(x, 1.0).any()


def test_token_dropout_at_rate_one_leaves_only_padding():
    x = _tokens([20, 5])
    assert not TEXT_CORRUPTIONS["token_dropout"].apply(x, 1.0).any()


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("gaussian_noise", -0.1, r"sigma must be a finite number in \[0, inf\], got -0.1"),
        ("gaussian_blur", float("nan"), "sigma"),
        ("jpeg", 100.0, r"JPEG quality loss must be .* in \[0, 99\]"),
        ("salt_pepper", 1.5, "fraction of pixels"),
        ("brightness", -1.0, "factor"),
        ("rotation", 400.0, "degrees"),
        ("token_dropout", 1.2, r"rate must be a finite number in \[0, 1\]"),
        ("char_noise", -0.5, "rate"),
        ("truncation", 2.0, "fraction removed"),
        ("word_order", 2.5, "whole number"),
    ],
)
def test_out_of_range_levels_are_refused(name: str, value: float, message: str):
    c = ALL[name]
    x = _inputs(c)[0]
    with pytest.raises(ValueError, match=message):
        c.apply(x, value)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.zeros((8, 8, 1), dtype=np.float32), r"\(N, H, W, C\)"),
        (np.zeros((1, 8, 8, 4), dtype=np.float32), "C 1 or 3"),
        (np.zeros((1, 8, 8, 1), dtype=np.uint8), "floats"),
        (np.full((1, 8, 8, 1), 255.0, dtype=np.float32), r"\[0, 1\]"),
        (np.full((1, 8, 8, 1), np.nan, dtype=np.float32), r"\[0, 1\]"),
    ],
)
@pytest.mark.parametrize("c", IMAGE_ALL, ids=[c.name for c in IMAGE_ALL])
def test_malformed_images_are_refused(c: Corruption, x: np.ndarray, message: str):
    with pytest.raises(ValueError, match=message):
        c.apply(x, c.levels[-1])


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.arange(20, dtype=np.int32), r"\(N, L\)"),
        (np.ones((2, 20), dtype=np.float32), "integers"),
        (np.full((2, 20), -1, dtype=np.int32), "non-negative"),
    ],
)
@pytest.mark.parametrize("name", list(TEXT_CORRUPTIONS) + list(TEXT_SHIFTS))
def test_malformed_token_ids_are_refused(name: str, x: np.ndarray, message: str):
    c = ALL[name]
    with pytest.raises(ValueError, match=message):
        c.apply(x, c.levels[-1])


def test_severity_index_out_of_range_is_refused():
    with pytest.raises(ValueError, match=r"severity index must be in 0\.\.5, got 6"):
        IMAGE_CORRUPTIONS["gaussian_noise"].at_severity(_images(1), 6)
    with pytest.raises(ValueError, match="got -1"):
        IMAGE_CORRUPTIONS["gaussian_noise"].at_severity(_images(1), -1)
