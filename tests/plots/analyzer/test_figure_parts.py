"""The choices inside the figures: layer selection, thresholds, labels, normalisation."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest

from healthopt.analysis.dynamics import analyze_dynamics
from healthopt.analysis.pareto import pareto_front
from healthopt.plots.analyzer import (
    _common,
    information_flow,
    pareto,
    spectral,
    training_dynamics,
    weight_journey,
)
from healthopt.plots.analyzer import summary_dashboard as dashboard
from healthopt.plots.style import BAD, GOOD, WARN, figure


@pytest.mark.parametrize(
    ("alpha", "color"),
    [(2.0, GOOD), (4.0, GOOD), (6.0, GOOD), (1.7, WARN), (7.5, WARN), (1.2, BAD), (9.0, BAD)],
)
def test_alpha_colour_bands(alpha, color):
    assert spectral.alpha_color(alpha) == color


def test_alpha_colour_unknown_is_neutral():
    assert spectral.alpha_color(None) not in (GOOD, WARN, BAD)


def test_pick_evenly_keeps_ends_and_bound():
    items = list(range(30))
    chosen = _common.pick_evenly(items, 8)
    assert len(chosen) == 8 and chosen[0] == 0 and chosen[-1] == 29
    assert chosen == sorted(set(chosen))
    assert _common.pick_evenly(items[:5], 8) == items[:5]
    assert _common.pick_evenly(items, 1) == [0]
    assert _common.pick_evenly(items, 0) == []


def test_short_cuts_the_middle_and_keeps_short_names():
    assert _common.short("dense", 10) == "dense"
    cut = _common.short("hidden_dense_layer_number_one", 14)
    assert len(cut) == 14 and cut.startswith("hidden") and cut.endswith("one") and "…" in cut


def test_model_names_follow_results_models_then_sections(full_results):
    results = replace(
        full_results,
        models=("b", "a"),
        calibration={"c": full_results.calibration["alpha"]},
        model_info={},
        weights={},
        spectral={},
        spectral_summary={},
        information_flow={},
        training_dynamics={},
        histories={"a": {}},
    )
    assert _common.model_names(results) == ["b", "a", "c"]


def test_safe_filename_for_bidirectional_and_recurrent_layers():
    spectrum = SimpleNamespace(name="bidirectional/forward_lstm/recurrent_kernel", layer_index=3)
    stem = spectral.powerlaw_filename("my model", spectrum)
    assert stem == "my_model_layer_3_bidirectional_forward_lstm_recurrent_kernel_powerlaw"


def test_fmt_count_and_missing_values():
    assert _common.fmt_count(1234) == "1.2K"
    assert _common.fmt_count(25_000_000) == "25.0M"
    assert _common.fmt_count(None) == "—"
    assert _common.fmt(float("nan")) == "—"


def test_health_grid_samples_long_models_evenly(full_results):
    long_model = [
        replace(
            full_results.weights["alpha"][0], name=f"layer_{i}", layer_index=i, health_score=i / 29
        )
        for i in range(30)
    ]
    weights = {"long": long_model, "short": full_results.weights["beta"]}
    models, values, labels = weight_journey.health_grid(weights, max_layers=12)
    assert models == ["long", "short"] and values.shape == (2, 12)
    assert labels[0][0] == "layer_0" and labels[0][-1] == "layer_29"
    assert values[0, 0] == 0.0 and values[0, -1] == pytest.approx(1.0)
    shorter = len(full_results.weights["beta"])
    assert np.all(np.isnan(values[1, shorter:])) and not np.any(np.isnan(values[1, :shorter]))


def test_information_flow_keeps_at_most_max_layers_per_model(full_results):
    many = [
        replace(full_results.information_flow["alpha"][0], name=f"l{i}", layer_index=i)
        for i in range(20)
    ]
    results = replace(full_results, information_flow={"alpha": many})
    chosen = information_flow.selected_flows(results, max_layers=8)
    assert list(chosen) == ["alpha"]
    names = [f.name for f in chosen["alpha"]]
    assert len(names) == 8 and names[0] == "l0" and names[-1] == "l19"


def test_pareto_heatmap_scores_one_for_the_best_in_each_direction():
    metrics = {
        "a": {"peak_val_accuracy": 0.9, "overfitting_index": 0.3, "mean_alpha": 4.0},
        "b": {"peak_val_accuracy": 0.8, "overfitting_index": 0.1, "mean_alpha": 9.0},
        "c": {"peak_val_accuracy": 0.7, "overfitting_index": None, "mean_alpha": 1.0},
    }
    models, columns, raw, score = pareto.normalised(metrics, {})
    assert models == ["a", "b", "c"]
    assert columns == ["peak_val_accuracy", "overfitting_index", "mean_alpha"]
    assert score[:, 0] == pytest.approx([1.0, 0.5, 0.0])  # higher accuracy is better
    assert score[0, 1] == 0.0 and score[1, 1] == 1.0 and np.isnan(score[2, 1])
    # alpha: 4 is inside 2-6 (best); 1 is 1 below the band, 9 is 3 above it (worst)
    assert score[0, 2] == 1.0 and score[1, 2] == 0.0 and score[2, 2] == pytest.approx(2 / 3)
    assert np.isnan(raw[2, 1])


def test_pareto_axes_default_to_accuracy_against_overfitting():
    objectives = {"peak_val_accuracy": "max", "overfitting_index": "min"}
    points = pareto_front(
        {
            "a": {"peak_val_accuracy": 0.9, "overfitting_index": 0.2},
            "b": {"peak_val_accuracy": 0.8, "overfitting_index": 0.1},
        },
        objectives,
    )
    assert pareto.front_axes(points, objectives) == ("overfitting_index", "peak_val_accuracy")


def test_similarity_needs_three_models(make_results):
    two = make_results(models=("alpha", "beta"), analyses=("weights",), pareto=False)
    pca, why = dashboard.model_pca(two)
    assert pca is None and "3" in why
    three = make_results(analyses=("weights",), pareto=False)
    pca, why = dashboard.model_pca(three)
    assert why is None and set(pca.models) == {"alpha", "beta", "gamma"}


def test_parameters_fall_back_to_the_weight_layers(full_results):
    assert (
        dashboard.parameters(full_results, "alpha") == full_results.model_info["alpha"].parameters
    )
    no_info = replace(full_results, model_info={})
    expected = sum(s.num_parameters for s in full_results.weights["alpha"])
    assert dashboard.parameters(no_info, "alpha") == expected


def test_many_models_share_one_figure_legend():
    fig, ax = figure()
    names = [f"model_{i}" for i in range(6)]
    for name in names:
        ax.plot([0, 1], [0, 1], label=_common.model_label(name))
    ax.plot([], [], ls="--", label="validation")
    _common.axis_legend(ax, names)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["validation"]
    _common.figure_legend(fig, names, {})
    assert [t.get_text() for t in fig.legends[0].get_texts()] == names
    plt.close(fig)


def test_few_models_keep_their_panel_legends():
    fig, ax = figure()
    names = ["a", "b"]
    for name in names:
        ax.plot([0, 1], [0, 1], label=name)
    _common.axis_legend(ax, names)
    _common.figure_legend(fig, names, {})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == names and not fig.legends
    plt.close(fig)


def test_close_points_get_labels_on_different_sides():
    fig, ax = figure()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    _common.label_points(ax, [("a", 0.5, 0.5), ("b", 0.52, 0.51), ("edge", 0.97, 0.5)])
    offsets = {t.get_text(): t.xyann for t in ax.texts}
    assert offsets["a"] != offsets["b"]
    assert offsets["edge"][0] < 0  # a point at the right edge is labelled on its left
    plt.close(fig)


def test_dynamics_table_reads_each_column_from_the_dynamics():
    dyn = analyze_dynamics({"loss": [1.0, 0.5], "val_loss": [1.0, 2.0]})
    assert training_dynamics.table_value(dyn, "val_loss_std") == pytest.approx(0.5)
    assert training_dynamics.table_value(dyn, "epochs") == 2
    assert training_dynamics.table_value(dyn, "peak_val_accuracy") is None  # no accuracy
    for _, field, _ in training_dynamics.TABLE_COLUMNS:
        training_dynamics.table_value(dyn, field)  # every column names a field
