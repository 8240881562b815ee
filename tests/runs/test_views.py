"""The views of a whole run, on runs whose answer is known: accuracy driven by the learning
rate, neuron utilization by hidden dropout (`view_scripts.driven`)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from healthopt.records.views import RunViews
from healthopt.runs.index import find_run, read_results
from healthopt.runs.view_space import infer_distribution
from healthopt.runs.views import run_views

from .made_runs import made_run
from .view_scripts import driven, driven_run, driven_with_failures

BASE_VIEWS = {
    "history",
    "importance_accuracy",
    "importance_health",
    "parallel_coordinates",
    "impact_heatmap",
}


def _views(root: Path, name: str) -> RunViews:
    run = find_run(root, name)
    return run_views(run, read_results(run))


def _top(importance: dict[str, float]) -> str:
    return max(importance, key=lambda name: importance[name])


@pytest.fixture(scope="module")
def driven_views(tmp_path_factory: pytest.TempPathFactory) -> RunViews:
    root = tmp_path_factory.mktemp("views")
    driven_run(root)
    return _views(root, "driven")


def test_the_learning_rate_is_the_top_importance_for_accuracy(driven_views: RunViews):
    by_fanova = driven_views.importance["val_accuracy"]
    assert _top(by_fanova) == "learning_rate"
    assert by_fanova["learning_rate"] > 0.5
    # The conditional rates are absent from fANOVA: not every trial has them.
    assert "adam_learning_rate" not in by_fanova
    assert _top(driven_views.importance_ped_anova["val_accuracy"]).endswith("learning_rate")
    note = driven_views.figures["importance_accuracy"].note or ""
    assert "learning_rate (log scale) is derived" in note


def test_health_importance_is_separate_from_accuracy(driven_views: RunViews):
    assert _top(driven_views.importance["health"]) == "hidden_dropout"
    assert "raw health" in (driven_views.figures["importance_health"].note or "")


def test_every_view_is_drawn_as_strict_json(driven_views: RunViews):
    assert driven_views.run == "driven"
    assert driven_views.trials_used == 20
    assert set(driven_views.figures) == BASE_VIEWS  # no pareto view outside pareto runs
    for name, spec in driven_views.figures.items():
        assert spec.name == name
        assert spec.figure is not None, spec.note
        assert {"data", "layout"} <= set(spec.figure)
    json.dumps(driven_views.to_json(), allow_nan=False)  # raises on NaN or infinity


def test_importance_figure_has_both_evaluators(driven_views: RunViews):
    figure = driven_views.figures["importance_accuracy"].figure
    assert figure is not None
    bars = {trace["name"]: trace for trace in figure["data"]}
    assert set(bars) == {"fANOVA", "PED-ANOVA"}
    fanova = dict(zip(bars["fANOVA"]["y"], bars["fANOVA"]["x"], strict=True))
    assert fanova["learning_rate"] == pytest.approx(
        driven_views.importance["val_accuracy"]["learning_rate"]
    )


def test_history_plots_score_accuracy_and_health(driven_views: RunViews):
    figure = driven_views.figures["history"].figure
    assert figure is not None
    names = {trace.get("name") for trace in figure["data"]}
    assert {"value of score", "value of val_accuracy", "value of health"} <= names


def test_parallel_coordinates_use_params_present_in_every_trial(driven_views: RunViews):
    figure = driven_views.figures["parallel_coordinates"].figure
    assert figure is not None
    text = json.dumps(figure)
    assert "learning_rate" in text
    assert "adam_learning_rate" not in text and "sgd_learning_rate" not in text


def test_too_few_trials_gives_notes_not_figures(tmp_path: Path):
    driven_run(tmp_path, "short", trials=3)
    views = _views(tmp_path, "short")
    assert views.trials_used == 3
    assert views.figures["history"].figure is not None
    for name in ("importance_accuracy", "importance_health", "impact_heatmap"):
        spec = views.figures[name]
        assert spec.figure is None
        assert spec.note is not None and "needs at least 5" in spec.note and "has 3" in spec.note
    assert views.heatmap is None
    assert views.importance == {}


def test_failed_trials_keep_the_runs_numbering(tmp_path: Path):
    made_run(tmp_path, "failing", driven_with_failures, trials=8)
    views = _views(tmp_path, "failing")
    assert views.trials_used == 6
    figure = views.figures["history"].figure
    assert figure is not None
    accuracy = next(t for t in figure["data"] if t.get("name") == "value of val_accuracy")
    drawn = [x for x, y in zip(accuracy["x"], accuracy["y"], strict=True) if y is not None]
    assert drawn == [0, 1, 3, 4, 6, 7]


def test_a_run_without_study_db_infers_the_space(tmp_path: Path):
    run_dir = driven_run(tmp_path, "elsewhere")
    (run_dir / "study.db").unlink()  # as a run whose study lived in PostgreSQL
    views = _views(tmp_path, "elsewhere")
    assert any("no study.db" in note for note in views.notes)
    assert _top(views.importance["val_accuracy"]) == "learning_rate"


def test_an_unreadable_study_db_is_named_and_the_space_inferred(tmp_path: Path):
    run_dir = driven_run(tmp_path, "damaged", trials=6)
    (run_dir / "study.db").write_bytes(b"not a database")
    views = _views(tmp_path, "damaged")
    assert any("damaged/study.db could not be read" in note for note in views.notes)
    assert views.figures["importance_accuracy"].figure is not None


def test_a_run_without_results_has_every_view_missing(tmp_path: Path):
    run_dir = driven_run(tmp_path, "empty", trials=2)
    shutil.move(run_dir / "results.json", tmp_path / "moved.json")
    run = find_run(tmp_path, "empty")
    views = run_views(run, None)
    assert views.trials_used == 0
    assert all(spec.figure is None and spec.note for spec in views.figures.values())


def test_a_pareto_run_gets_its_front(tmp_path: Path):
    driven_run(tmp_path, "front", trials=8, mode="pareto")
    views = _views(tmp_path, "front")
    spec = views.figures["pareto"]
    assert spec.figure is not None
    points = [
        (x, y)
        for trace in spec.figure["data"]
        for x, y in zip(trace.get("x", []), trace.get("y", []), strict=True)
    ]
    results = read_results(find_run(tmp_path, "front"))
    assert results is not None
    expected = {tuple(t.values) for t in results.trials if t.values is not None}
    assert {(round(x, 9), round(y, 9)) for x, y in points} == {
        (round(x, 9), round(y, 9)) for x, y in expected
    }


def test_inferred_distributions_hold_the_values():
    rates = [3e-4, 1e-3, 0.2]
    rate = infer_distribution("learning_rate", rates)
    assert isinstance(rate, FloatDistribution) and rate.log
    assert (rate.low, rate.high) == (3e-4, 0.2)
    dropout = infer_distribution("hidden_dropout", [0.0, 0.5])
    assert isinstance(dropout, FloatDistribution) and not dropout.log
    assert infer_distribution("num_layers_conv", [1, 3, 2]) == IntDistribution(1, 3)
    flags = infer_distribution("batch_normalization", [True, False, True])
    assert flags == CategoricalDistribution([False, True])
    names = infer_distribution("optimizer", ["sgd", "adam"])
    assert isinstance(names, CategoricalDistribution) and names.choices == ("adam", "sgd")
    assert math.isfinite(rate.low)


def test_driven_script_is_what_the_tests_assume():
    """The crafted answer itself: higher rate, higher accuracy."""
    from healthopt.records import TrialSpec

    def spec(rate: float) -> TrialSpec:
        return TrialSpec.create(
            run_name="r",
            trial_number=0,
            dataset_name="digits",
            split_seed=0,
            seed=0,
            epochs=1,
            model_config={},
            params={"optimizer": "adam", "adam_learning_rate": rate, "hidden_dropout": 0.1},
            output_dir="/nonexistent",
        )

    low, high = driven(spec(1e-3)), driven(spec(1e-2))
    assert low.val_accuracy is not None and high.val_accuracy is not None
    assert high.val_accuracy > low.val_accuracy
