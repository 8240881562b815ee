"""Shared look of the study's figures: one colour and label per mode, one way to save."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

MODE_LABELS = {"accuracy_only": "Accuracy-only", "health_aware": "Health-aware"}
_MODE_COLORS = {"accuracy_only": "#d95f02", "health_aware": "#1b9e77"}
DPI = 150


def mode_color(mode: str) -> str:
    return _MODE_COLORS[mode]


def mode_label(mode: str) -> str:
    return MODE_LABELS[mode]


def save(fig: Any, path: Path) -> Path:
    """Write a figure as PNG (150 dpi, tight) and close it, so long analyses hold no figures."""
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path
