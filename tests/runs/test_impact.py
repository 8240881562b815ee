"""The impact heatmap: Spearman's rho and p exactly as scipy gives them, the right rows and
columns, and the strongest effects named in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scipy.stats import spearmanr

from healthopt.records import HEALTH_COMPONENTS, RunResults, TrialMetrics, TrialRecord
from healthopt.runs.impact import (
    ParamColumn,
    describe,
    heatmap_figure,
    impact_heatmap,
    learning_rate_of,
    param_columns,
    spearman,
)
from healthopt.runs.index import find_run, read_results
from healthopt.runs.views import figure_json

from .view_scripts import driven_run, learning_rate


@pytest.fixture(scope="module")
def driven(tmp_path_factory: pytest.TempPathFactory) -> RunResults:
    root = tmp_path_factory.mktemp("impact")
    driven_run(root)
    results = read_results(find_run(root, "driven"))
    assert results is not None
    return results


def _cell(results: RunResults, param: str, target: str) -> tuple[float, float, int]:
    heatmap = impact_heatmap(results)
    assert heatmap is not None
    i, j = heatmap.params.index(param), heatmap.targets.index(target)
    rho, p, n = heatmap.rho[i][j], heatmap.p_values[i][j], heatmap.n[i][j]
    assert rho is not None and p is not None
    return rho, p, n


def test_rho_and_p_match_scipy(driven: RunResults):
    trials = [t for t in driven.trials if t.complete]
    rates = [learning_rate(t.params) for t in trials]
    accuracy = [t.metrics.val_accuracy for t in trials]
    expected = spearmanr(rates, accuracy)
    rho, p, n = _cell(driven, "learning_rate", "val_accuracy")
    assert (rho, p, n) == (pytest.approx(expected.statistic), pytest.approx(expected.pvalue), 20)
    dropout = [t.params["hidden_dropout"] for t in trials]
    utilization = [t.health.neuron_utilization for t in trials]
    expected = spearmanr(dropout, utilization)
    rho, p, _ = _cell(driven, "hidden_dropout", "neuron_utilization")
    assert rho == pytest.approx(expected.statistic) == pytest.approx(-1.0)
    assert p == pytest.approx(expected.pvalue)


def test_conditional_rates_use_only_the_trials_that_have_them(driven: RunResults):
    sgd = [t for t in driven.trials if t.complete and "sgd_learning_rate" in t.params]
    rho, p, n = _cell(driven, "sgd_learning_rate", "val_accuracy")
    expected = spearmanr(
        [t.params["sgd_learning_rate"] for t in sgd], [t.metrics.val_accuracy for t in sgd]
    )
    assert n == len(sgd)
    assert (rho, p) == (pytest.approx(expected.statistic), pytest.approx(expected.pvalue))


def test_rows_and_columns(driven: RunResults):
    heatmap = impact_heatmap(driven)
    assert heatmap is not None
    assert heatmap.targets == [
        "val_accuracy",
        *HEALTH_COMPONENTS,
        "fit_seconds",
        "num_parameters",
    ]
    assert "optimizer=adam" in heatmap.params and "optimizer" not in heatmap.params
    assert "batch_size" in heatmap.params  # numeric levels stay one ordinal row
    assert heatmap.params[-1] == "learning_rate"
    rows = len(heatmap.params)
    for matrix in (heatmap.rho, heatmap.p_values, heatmap.n):
        assert len(matrix) == rows and all(len(row) == len(heatmap.targets) for row in matrix)
    # A constant target (the scripted stability) and an unmeasured one have no correlation.
    j = heatmap.targets.index("training_stability")
    assert all(row[j] is None for row in heatmap.rho)
    j = heatmap.targets.index("fit_seconds")
    assert all(row[j] is None for row in heatmap.rho)
    assert any("fit_seconds" in note for note in heatmap.notes)


def test_strongest_names_significant_effects_by_size(driven: RunResults):
    heatmap = impact_heatmap(driven)
    assert heatmap is not None
    strongest = heatmap.strongest
    assert strongest, "the crafted run has two perfect effects"
    assert all(f.p_value < 0.05 for f in strongest)
    sizes = [abs(f.rho) for f in strongest]
    assert sizes == sorted(sizes, reverse=True)
    pairs = {(f.param, f.target) for f in strongest}
    assert ("learning_rate", "val_accuracy") in pairs
    assert ("hidden_dropout", "neuron_utilization") in pairs
    dropout = next(f for f in strongest if f.param == "hidden_dropout")
    assert dropout.description.startswith(
        "higher hidden_dropout goes with lower neuron_utilization, rho=-1.00, p<0.0001, n=20"
    )


def test_heatmap_figure_is_strict_json(driven: RunResults):
    heatmap = impact_heatmap(driven)
    assert heatmap is not None
    figure = figure_json(heatmap_figure(heatmap))
    json.dumps(figure, allow_nan=False)
    trace = figure["data"][0]
    assert trace["type"] == "heatmap"
    assert trace["y"] == heatmap.params and trace["x"] == heatmap.targets


def test_spearman_needs_pairs_and_variation():
    assert spearman([1, 2, 3, 4], [1, 2, 3, 4]).rho is None  # 4 pairs: below MIN_PAIRS
    constant = spearman([1, 2, 3, 4, 5], [7, 7, 7, 7, 7])
    assert (constant.rho, constant.p_value, constant.n) == (None, None, 5)
    skipped = spearman([1, None, 3, 4, 5, 6], [2.0, 9.0, 1.0, 4.0, None, 6.0])
    assert skipped.n == 4 and skipped.rho is None
    xs, ys = [1, 2, 3, 4, 5, 6], [2.0, 1.0, 4.0, 3.0, 6.0, 5.0]
    got, want = spearman(xs, ys), spearmanr(xs, ys)
    assert (got.rho, got.p_value) == (pytest.approx(want.statistic), pytest.approx(want.pvalue))


def _trial(number: int, **params) -> TrialRecord:
    return TrialRecord(
        number=number,
        state="COMPLETE",
        params=params,
        metrics=TrialMetrics(val_accuracy=0.5),
    )


def test_param_columns_split_categoricals_and_derive_the_rate():
    trials = [
        _trial(0, optimizer="adam", adam_learning_rate=1e-3, kernel_size=3, use_bn=True),
        _trial(1, optimizer="sgd", sgd_learning_rate=0.05, kernel_size=5, use_bn=False),
        _trial(2, optimizer="adam", adam_learning_rate=2e-3, kernel_size=3, use_bn=True),
    ]
    columns, notes = param_columns(trials)
    by_name = {c.name: c for c in columns}
    assert by_name["optimizer=adam"].values == (1.0, 0.0, 1.0)
    assert by_name["optimizer=sgd"].values == (0.0, 1.0, 0.0)
    assert by_name["adam_learning_rate"].values == (1e-3, None, 2e-3)
    assert by_name["use_bn"].values == (1.0, 0.0, 1.0)
    assert by_name["learning_rate"].values == (1e-3, 0.05, 2e-3)
    assert any("learning_rate" in note for note in notes)


def test_a_categorical_with_one_level_is_left_out_with_a_note():
    trials = [_trial(n, activation="relu", units=n) for n in range(3)]
    columns, notes = param_columns(trials)
    assert [c.name for c in columns] == ["units"]
    assert notes == ["activation is left out: every trial had 'relu'"]


def test_learning_rate_of_prefers_the_optimizers_own_rate():
    assert learning_rate_of({"optimizer": "sgd", "sgd_learning_rate": 0.1}) == 0.1
    assert learning_rate_of({"learning_rate": 0.01, "adam_learning_rate": 0.5}) == 0.01
    assert learning_rate_of({"optimizer": "adam"}) is None


def test_describe_levels_and_directions():
    from healthopt.runs.impact import Correlation

    level = ParamColumn("optimizer=sgd", (1.0, 0.0), level="sgd")
    text = describe(level, "val_accuracy", Correlation(0.79, 2.8e-5, 20))
    assert text == "optimizer=sgd goes with higher val_accuracy, rho=0.79, p<0.0001, n=20"
    rate = ParamColumn("adam_learning_rate", (1.0,))
    text = describe(rate, "neuron_utilization", Correlation(-0.71, 0.003, 18))
    assert text == (
        "higher adam_learning_rate goes with lower neuron_utilization, rho=-0.71, p=0.003, n=18"
    )


def test_too_few_complete_trials_give_no_heatmap(tmp_path: Path):
    driven_run(tmp_path, "short", trials=4)
    results = read_results(find_run(tmp_path, "short"))
    assert results is not None
    assert impact_heatmap(results) is None
