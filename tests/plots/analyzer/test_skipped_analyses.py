"""Partial results: a figure is drawn from whatever exists, and none is written blank."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from healthopt.analysis.config import AnalysisConfig
from healthopt.analysis.results import AnalysisResults, ModelInfo
from healthopt.plots.analyzer import FIGURES, draw_all
from healthopt.plots.analyzer import spectral as spectral_plots

DPI = 60


def files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_results_without_any_analysis_write_nothing(tmp_path):
    results = AnalysisResults(
        config=AnalysisConfig(),
        models=("a", "b"),
        model_info={
            "a": ModelInfo(parameters=10, layers=1, inputs=1),
            "b": ModelInfo(parameters=20, layers=1, inputs=1),
        },
    )
    assert draw_all(results, None, tmp_path, dpi=DPI) == {}
    assert files(tmp_path) == []


@pytest.mark.parametrize("name", list(FIGURES))
def test_each_figure_returns_none_without_its_data(name, tmp_path):
    results = AnalysisResults(config=AnalysisConfig(), models=("a",), model_info={})
    assert FIGURES[name](results, {}, tmp_path, dpi=DPI) is None
    assert files(tmp_path) == []


def test_weights_only_draws_the_weight_figures_and_one_esd_plot_per_layer(make_results, tmp_path):
    results = make_results(models=("alpha",), analyses=("weights", "spectral"), pareto=False)
    written = draw_all(results, None, tmp_path, dpi=DPI)
    main = {k for k in written if not k.startswith("spectral_plots/")}
    assert main == {"summary_dashboard", "spectral_summary", "weight_learning_journey"}
    assert set(files(tmp_path)) == {p.relative_to(tmp_path).as_posix() for p in written.values()}
    plots = [k for k in written if k.startswith("spectral_plots/")]
    assert len(plots) == len(results.spectral["alpha"]) == 3
    assert "spectral_plots/alpha_layer_0_dense_0_powerlaw" in plots
    assert written["spectral_plots/alpha_layer_0_dense_0_powerlaw"] == (
        tmp_path / "spectral_plots" / "alpha_layer_0_dense_0_powerlaw.png"
    )


def test_data_analyses_only_draw_the_data_figures(make_results, tmp_path):
    results = make_results(
        models=("alpha",), analyses=("calibration", "information_flow"), pareto=False
    )
    written = draw_all(results, None, tmp_path, dpi=DPI)
    assert set(written) == {
        "summary_dashboard",
        "confidence_calibration_analysis",
        "information_flow_analysis",
    }


def test_history_only_draws_training_dynamics(make_results, tmp_path):
    results = make_results(models=("alpha",), analyses=("training_dynamics",), pareto=False)
    written = draw_all(results, None, tmp_path, dpi=DPI)
    assert set(written) == {"summary_dashboard", "training_dynamics"}


def test_history_with_nan_epochs_and_no_validation_still_draws(make_results, tmp_path):
    results = make_results(models=("alpha", "beta"), analyses=("training_dynamics",), pareto=False)
    broken = dict(results.histories)
    broken["alpha"] = {"loss": [1.0, float("nan"), 0.5, 0.4]}  # no val_*, a diverged epoch
    from healthopt.analysis.dynamics import analyze_dynamics

    dynamics = {**results.training_dynamics, "alpha": analyze_dynamics(broken["alpha"])}
    results = replace(results, histories=broken, training_dynamics=dynamics)
    path = FIGURES["training_dynamics"](results, {}, tmp_path, dpi=DPI)
    assert path is not None and path.is_file()


def test_power_law_plots_need_the_eigenvalues(full_results, tmp_path):
    """Spectra read back from JSON carry no eigenvalues: the summary is drawn, no ESD plots."""
    no_evals = {
        m: [replace(s, evals=np.empty(0)) for s in v] for m, v in full_results.spectral.items()
    }
    results = replace(full_results, spectral=no_evals)
    assert spectral_plots.draw_powerlaw_plots(results, tmp_path, dpi=DPI) == {}
    assert spectral_plots.draw_summary(results, {}, tmp_path, dpi=DPI) is not None


def test_a_layer_without_a_power_law_fit_shows_its_esd_alone(full_results, tmp_path):
    spectrum = replace(
        full_results.spectral["alpha"][0], alpha=None, xmin=None, ks_distance=None, reason="flat"
    )
    path = spectral_plots.draw_powerlaw("alpha", spectrum, tmp_path, dpi=DPI)
    assert path is not None and path.parent.name == "spectral_plots"


def test_pareto_with_a_reason_is_not_drawn_by_draw_all(full_results, tmp_path):
    only_pareto = AnalysisResults(
        config=AnalysisConfig(),
        models=full_results.models,
        model_info={},
        pareto=full_results.pareto,
    )
    assert set(draw_all(only_pareto, None, tmp_path / "front", dpi=DPI)) == {"pareto_analysis"}
    no_front = replace(only_pareto, pareto=replace(full_results.pareto, reason="too few models"))
    assert draw_all(no_front, None, tmp_path, dpi=DPI) == {}
    assert files(tmp_path) == ["front/pareto_analysis.png"]
