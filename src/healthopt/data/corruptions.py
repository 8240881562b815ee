"""Input corruptions and distribution shifts, each a named transform with severity levels.

The robustness and distribution-shift analyses ask how a model's accuracy falls as its inputs
degrade. Every transform here is pure numpy/scipy/PIL (no TensorFlow), never modifies its input,
is deterministic for a seed, and keeps the conventions of `healthopt.data.loaders`: images are
floats in [0, 1] shaped (N, H, W, C) with C = 1 or 3, text is integer token ids shaped (N, L),
left-padded with 0. Tabular features have no corruptions here: noise, blur or token dropout
mean nothing for a table's columns, so asking for them raises `NoCorruptions`, which says so.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from healthopt.data.loaders import IMAGE, TABULAR, TEXT

__all__ = [
    "IMAGE_CORRUPTIONS",
    "IMAGE_SHIFTS",
    "OOV_ID",
    "TEXT_CORRUPTIONS",
    "TEXT_SHIFTS",
    "Corruption",
    "NoCorruptions",
    "corruptions_for",
    "shifts_for",
]

OOV_ID = 2  # keras imdb/reuters: 0 padding, 1 start, 2 out of vocabulary


class NoCorruptions(ValueError):
    """The data's modality has no corruptions or shifts defined (tabular features)."""


Transform = Callable[[np.ndarray, float, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class Corruption:
    """One way to degrade inputs, with the parameter values the study sweeps over."""

    name: str
    title: str
    modality: str
    parameter: str
    levels: tuple[float, ...]
    bounds: tuple[float, float] = field(repr=False)  # closed range of sensible values
    transform: Transform = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.modality not in (IMAGE, TEXT):
            raise ValueError(f"{self.name}: modality must be {IMAGE!r} or {TEXT!r}")
        low, high = self.bounds
        if not self.levels or any(not low <= v <= high for v in self.levels):
            raise ValueError(f"{self.name}: levels {self.levels} must lie in [{low}, {high}]")

    @property
    def identity(self) -> float:
        return self.levels[0]

    def apply(self, x: np.ndarray, value: float, seed: int = 0) -> np.ndarray:
        """Return a corrupted copy of `x` at parameter `value`; `x` itself is left alone."""
        x = np.asarray(x)
        if self.modality == IMAGE:
            _check_images(self.name, x)
        else:
            _check_tokens(self.name, x)
        value = float(value)
        low, high = self.bounds
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(
                f"{self.name}: {self.parameter} must be a finite number in [{low:g}, {high:g}], "
                f"got {value!r}"
            )
        # Short-circuit so that the identity is exact even where the arithmetic would round.
        if value == self.identity or x.size == 0:
            return x.copy()
        out = self.transform(x, value, np.random.default_rng(seed))
        return out.astype(x.dtype, copy=False)

    def at_severity(self, x: np.ndarray, index: int, seed: int = 0) -> np.ndarray:
        if not 0 <= index < len(self.levels):
            raise ValueError(
                f"{self.name}: severity index must be in 0..{len(self.levels) - 1}, got {index}"
            )
        return self.apply(x, self.levels[index], seed)


def _check_images(name: str, x: np.ndarray) -> None:
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise ValueError(f"{name}: images must be shaped (N, H, W, C) with C 1 or 3, got {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name}: images must be floats in [0, 1], got dtype {x.dtype}")
    if x.size and not (x.min() >= 0.0 and x.max() <= 1.0):  # also rejects NaN
        raise ValueError(f"{name}: image values must lie in [0, 1]")


def _check_tokens(name: str, x: np.ndarray) -> None:
    if x.ndim != 2:
        raise ValueError(f"{name}: token ids must be shaped (N, L), got {x.shape}")
    if not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"{name}: token ids must be integers, got dtype {x.dtype}")
    if x.size and x.min() < 0:
        raise ValueError(f"{name}: token ids must be non-negative (0 is padding)")


# --- image corruptions -----------------------------------------------------------------


def _gaussian_noise(x: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(x.shape, dtype=np.float32) * np.float32(sigma)
    return np.clip(x + noise, 0.0, 1.0)


def _gaussian_blur(x: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    # Sigma 0 on the batch and channel axes: neighbouring images and colours never mix.
    return np.clip(ndimage.gaussian_filter(x, sigma=(0.0, sigma, sigma, 0.0)), 0.0, 1.0)


def _jpeg(x: np.ndarray, quality_loss: float, rng: np.random.Generator) -> np.ndarray:
    from PIL import Image

    quality = int(round(100.0 - quality_loss))
    pixels = np.round(x * 255.0).astype(np.uint8)
    out = np.empty(x.shape, dtype=np.float32)
    for i, image in enumerate(pixels):
        # A 2-D uint8 array becomes a grayscale ("L") image, (H, W, 3) an "RGB" one.
        pil = Image.fromarray(image[..., 0] if x.shape[-1] == 1 else image)
        buffer = io.BytesIO()
        pil.save(buffer, format="JPEG", quality=quality)
        buffer.seek(0)
        with Image.open(buffer) as decoded:
            out[i] = np.asarray(decoded, dtype=np.float32).reshape(x.shape[1:]) / 255.0
    return out


def _salt_pepper(x: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    # One draw per pixel, not per channel, so a corrupted RGB pixel turns black or white.
    hit = rng.random(x.shape[:3]) < fraction
    salt = rng.integers(0, 2, size=x.shape[:3]).astype(x.dtype)
    return np.where(hit[..., np.newaxis], salt[..., np.newaxis], x)


def _rotation(x: np.ndarray, degrees: float, rng: np.random.Generator) -> np.ndarray:
    rotated = ndimage.rotate(
        x, degrees, axes=(1, 2), reshape=False, order=1, mode="constant", cval=0.0
    )
    return np.clip(rotated, 0.0, 1.0)


def _brightness(x: np.ndarray, factor: float, rng: np.random.Generator) -> np.ndarray:
    return np.clip(x * factor, 0.0, 1.0)


def _contrast(x: np.ndarray, factor: float, rng: np.random.Generator) -> np.ndarray:
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    return np.clip((x - mean) * factor + mean, 0.0, 1.0)


# --- text corruptions ------------------------------------------------------------------


def _left_pad(x: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Keep the tokens where `keep` holds, in order, packed against the right edge."""
    # A stable sort on the boolean mask moves dropped positions left and keeps token order.
    order = np.argsort(keep, axis=1, kind="stable")
    kept = np.take_along_axis(keep, order, axis=1)
    return np.where(kept, np.take_along_axis(x, order, axis=1), 0)


def _token_dropout(x: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    return _left_pad(x, (x != 0) & (rng.random(x.shape) >= rate))


def _char_noise(x: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    return np.where((x != 0) & (rng.random(x.shape) < rate), OOV_ID, x)


def _word_order(x: np.ndarray, window: float, rng: np.random.Generator) -> np.ndarray:
    if window != int(window):
        raise ValueError(f"word_order: window must be a whole number of tokens, got {window}")
    real = x != 0
    # Windows count from each sequence's first real token, so padding never joins a window.
    position = np.cumsum(real, axis=1) - 1
    key = np.where(real, position // int(window) + rng.random(x.shape), -1.0)
    return np.take_along_axis(x, np.argsort(key, axis=1, kind="stable"), axis=1)


def _truncation(x: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    real = x != 0
    position = np.cumsum(real, axis=1) - 1
    dropped = np.floor(fraction * real.sum(axis=1, keepdims=True))
    return _left_pad(x, real & (position >= dropped))


def _registry(*items: Corruption) -> dict[str, Corruption]:
    return {c.name: c for c in items}


_INF = math.inf

IMAGE_CORRUPTIONS = _registry(
    Corruption(
        "gaussian_noise", "Gaussian noise", IMAGE, "sigma",
        (0.0, 0.05, 0.1, 0.15, 0.2, 0.3), (0.0, _INF), _gaussian_noise,
    ),
    Corruption(
        "gaussian_blur", "Gaussian blur", IMAGE, "sigma (pixels)",
        (0.0, 0.5, 1.0, 1.5, 2.0), (0.0, _INF), _gaussian_blur,
    ),
    Corruption(
        "jpeg", "JPEG compression", IMAGE, "JPEG quality loss",
        (0.0, 25.0, 50.0, 75.0, 90.0), (0.0, 99.0), _jpeg,
    ),
    Corruption(
        "salt_pepper", "Salt-and-pepper noise", IMAGE, "fraction of pixels",
        (0.0, 0.01, 0.05, 0.1, 0.2), (0.0, 1.0), _salt_pepper,
    ),
)  # fmt: skip

IMAGE_SHIFTS = _registry(
    Corruption(
        "rotation", "Rotation", IMAGE, "degrees",
        (0.0, 15.0, 30.0, 45.0, 60.0, 90.0), (-360.0, 360.0), _rotation,
    ),
    Corruption(
        "brightness", "Brightness", IMAGE, "factor",
        (1.0, 0.5, 0.75, 1.25, 1.5), (0.0, _INF), _brightness,
    ),
    Corruption(
        "contrast", "Contrast", IMAGE, "factor",
        (1.0, 0.5, 0.75, 1.25, 1.5), (0.0, _INF), _contrast,
    ),
)  # fmt: skip

TEXT_CORRUPTIONS = _registry(
    Corruption(
        "token_dropout", "Token dropout", TEXT, "rate",
        (0.0, 0.05, 0.1, 0.2, 0.3), (0.0, 1.0), _token_dropout,
    ),
    Corruption(
        "char_noise", "Character noise", TEXT, "rate",
        (0.0, 0.05, 0.1, 0.2, 0.3), (0.0, 1.0), _char_noise,
    ),
)  # fmt: skip

TEXT_SHIFTS = _registry(
    Corruption(
        "word_order", "Word order", TEXT, "window (tokens)",
        (0.0, 2.0, 4.0, 8.0), (0.0, _INF), _word_order,
    ),
    Corruption(
        "truncation", "Truncation", TEXT, "fraction removed",
        (0.0, 0.25, 0.5, 0.75), (0.0, 1.0), _truncation,
    ),
)  # fmt: skip


def corruptions_for(modality: str) -> dict[str, Corruption]:
    return _by_modality(modality, IMAGE_CORRUPTIONS, TEXT_CORRUPTIONS)


def shifts_for(modality: str) -> dict[str, Corruption]:
    return _by_modality(modality, IMAGE_SHIFTS, TEXT_SHIFTS)


def _by_modality(
    modality: str, image: dict[str, Corruption], text: dict[str, Corruption]
) -> dict[str, Corruption]:
    if modality == IMAGE:
        return dict(image)
    if modality == TEXT:
        return dict(text)
    if modality == TABULAR:
        raise NoCorruptions(
            "corruptions and distribution shifts are defined for images and token sequences "
            "only; tabular features have none, so robustness and distribution-shift analyses "
            "do not apply to tabular data"
        )
    raise ValueError(f"unknown modality {modality!r}; expected {IMAGE!r} or {TEXT!r}")
