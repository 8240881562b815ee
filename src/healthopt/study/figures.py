"""Shared look of the study's figures: one colour and label per mode, one way to save."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

from healthopt.records import Mode
from healthopt.study.config import MODE_LABELS

matplotlib.use("Agg")

_MODE_COLORS = {Mode.SIMPLE: "#d95f02", Mode.HEALTH_AWARE: "#1b9e77"}
DPI = 150


def mode_color(mode: Mode) -> str:
    return _MODE_COLORS[mode]


def mode_label(mode: Mode) -> str:
    return MODE_LABELS[mode]


def save(fig: Any, path: Path) -> Path:
    """Write a figure as PNG (150 dpi, tight) and close it, so long analyses hold no figures."""
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path
