"""save_analysis and save_pareto: what the analyzer's callers use to draw and write results."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from healthopt.analysis.config import AnalysisConfig
from healthopt.analysis.results import RESULTS_FILE
from healthopt.plots.analyzer import report
from healthopt.plots.analyzer.report import save_analysis, save_pareto

FAST = {"dpi": 60, "verbose": False}


@pytest.fixture
def history_only(make_results):
    return make_results(models=("alpha", "beta"), analyses=("training_dynamics",))


def test_figures_are_drawn_named_and_written_into_the_json(history_only, tmp_path):
    saved = save_analysis(history_only, tmp_path, AnalysisConfig(save_plots=True, **FAST))
    assert set(saved.figures) == {"summary_dashboard", "training_dynamics", "pareto_analysis"}
    assert saved.figures["training_dynamics"] == "training_dynamics.png"
    assert all((tmp_path / name).is_file() for name in saved.figures.values())
    written = json.loads((tmp_path / RESULTS_FILE).read_text())
    assert written["figures"] == saved.figures and written["notes"] == {}


def test_without_save_plots_only_the_json_is_written(history_only, tmp_path):
    saved = save_analysis(history_only, tmp_path, AnalysisConfig(save_plots=False, **FAST))
    assert saved.figures == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == [RESULTS_FILE]


def test_a_failing_figure_is_noted_and_the_json_still_written(history_only, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(report, "draw_all", broken)
    saved = save_analysis(history_only, tmp_path, AnalysisConfig(save_plots=True, **FAST))
    assert saved.notes == {"figures": "failed: RuntimeError: boom"} and saved.figures == {}
    assert json.loads((tmp_path / RESULTS_FILE).read_text())["notes"] == saved.notes


def test_pareto_figure_is_drawn_and_the_front_written(history_only, tmp_path):
    saved = save_pareto(history_only, tmp_path, AnalysisConfig(save_plots=True, **FAST))
    assert saved.pareto is not None
    assert saved.pareto.figure == tmp_path / "pareto_analysis.png"
    assert saved.pareto.figure.is_file()
    written = json.loads((tmp_path / RESULTS_FILE).read_text())["pareto"]
    assert written["figure"] == "pareto_analysis.png"
    assert written["front"] == saved.pareto.front


def test_pareto_without_a_front_draws_nothing(history_only, tmp_path):
    assert history_only.pareto is not None
    no_front = replace(history_only, pareto=replace(history_only.pareto, reason="too few"))
    saved = save_pareto(no_front, tmp_path, AnalysisConfig(save_plots=True, **FAST))
    assert saved.pareto is not None and saved.pareto.figure is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [RESULTS_FILE]


def test_pareto_needs_a_pareto_analysis(history_only, tmp_path):
    with pytest.raises(ValueError, match="create_pareto_analysis"):
        save_pareto(replace(history_only, pareto=None), tmp_path, AnalysisConfig(**FAST))
