"""draw_all on crafted results: every figure written, readable, and one colour per model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

from healthopt.plots.analyzer import FIGURES, draw_all, draw_pareto

DPI = 60
MAIN_FIGURES = (*FIGURES, "pareto_analysis")
COLORS = {"alpha": "#ff00ff", "beta": "#00ffff", "gamma": "#7f00ff"}


@pytest.fixture(scope="module")
def drawn(full_results, tmp_path_factory) -> tuple[dict[str, Path], Path]:
    out = tmp_path_factory.mktemp("figures")
    # Power-law plots are tested on a one-model result (test_skipped_analyses): they cost time.
    return draw_all(full_results, COLORS, out, dpi=DPI, powerlaw_plots=False), out


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def has_color(image: np.ndarray, color: str) -> bool:
    rgb = np.round(np.array(to_rgb(color)) * 255).astype(int)
    return bool(np.any(np.all(np.abs(image.astype(int) - rgb) <= 2, axis=-1)))


def test_every_figure_is_written_as_a_readable_png(drawn):
    written, out = drawn
    assert set(MAIN_FIGURES) <= set(written)
    for name in MAIN_FIGURES:
        assert written[name] == out / f"{name}.png"
        with Image.open(written[name]) as image:
            image.verify()
        width, height = Image.open(written[name]).size
        assert width > 400 and height > 250, name


def test_a_model_with_skipped_data_analyses_is_in_the_other_figures(drawn, full_results):
    """delta has no calibration or information flow, yet every figure is drawn and delta
    appears where it has data (its colour is the house colour the caller left it)."""
    assert "delta" not in full_results.calibration and "delta" in full_results.weights
    written, _ = drawn
    delta = "#0072B2"  # the first house colour: the caller named alpha, beta and gamma only
    for figure in ("summary_dashboard", "weight_learning_journey", "training_dynamics"):
        assert has_color(pixels(written[figure]), delta), figure
    for figure in ("confidence_calibration_analysis", "information_flow_analysis"):
        assert not has_color(pixels(written[figure]), delta), figure


@pytest.mark.parametrize(
    "figure",
    [
        "summary_dashboard",
        "spectral_summary",
        "training_dynamics",
        "weight_learning_journey",
        "confidence_calibration_analysis",
        "information_flow_analysis",
        "pareto_analysis",
    ],
)
def test_each_model_is_drawn_in_its_own_colour(drawn, figure):
    image = pixels(drawn[0][figure])
    for model, color in COLORS.items():
        assert has_color(image, color), f"{model} ({color}) missing from {figure}"


def test_a_model_absent_from_the_figure_leaves_no_trace_of_its_colour(make_results, tmp_path):
    results = make_results(models=("alpha", "beta"), analyses=("weights",), pareto=False)
    colors = {**COLORS, "ghost": "#ffff00"}
    written = draw_all(results, colors, tmp_path, dpi=DPI)
    image = pixels(written["weight_learning_journey"])
    assert has_color(image, COLORS["alpha"]) and has_color(image, COLORS["beta"])
    assert not has_color(image, "#ffff00")


def test_models_missing_from_colors_get_distinct_house_colours(make_results, tmp_path):
    results = make_results(analyses=("weights",), pareto=False)
    written = draw_all(results, {"alpha": "#ff00ff"}, tmp_path, dpi=DPI)
    image = pixels(written["weight_learning_journey"])
    assert has_color(image, "#ff00ff")
    # beta and gamma: the first two house colours not already taken
    assert has_color(image, "#0072B2") and has_color(image, "#E69F00")


def test_save_format_sets_the_file_type(make_results, tmp_path):
    results = make_results(models=("alpha",), analyses=("weights",), pareto=False)
    written = draw_all(results, None, tmp_path, dpi=DPI, save_format="svg")
    assert written["weight_learning_journey"].suffix == ".svg"
    assert written["weight_learning_journey"].read_text().lstrip().startswith("<?xml")


def test_draw_pareto_from_points_alone(full_results, tmp_path):
    points = full_results.pareto.points
    path = draw_pareto(None, points, COLORS, tmp_path, dpi=DPI)
    assert path == tmp_path / "pareto_analysis.png"
    image = pixels(path)
    assert all(has_color(image, c) for c in COLORS.values())


def test_draw_pareto_without_points_writes_nothing(make_results, tmp_path):
    results = make_results(pareto=False)
    assert draw_pareto(results, None, COLORS, tmp_path, dpi=DPI) is None
    assert draw_pareto(None, [], COLORS, tmp_path, dpi=DPI) is None
    assert not any(tmp_path.iterdir())
