"""compare_runs on real (scripted) runs whose answer is known: runs whose accuracies clearly
differ are called different, two runs of one script are not, and every p-value and interval is
the one scipy gives for the same trials."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from scipy import stats

from healthopt.records import RunResults, TrialSpec
from healthopt.runs.compare import (
    ALPHA,
    KRUSKAL,
    MIN_COMPLETE_TRIALS,
    WELCH,
    ComparisonError,
    compare_runs,
    difference_test,
    flat_settings,
)
from healthopt.runs.index import RunFolder, find_run, read_results

from ..optimize.scripted import Outcome, complete, fail, learning
from .made_runs import made_run

TRIALS = 12


def spread(spec: TrialSpec) -> float:
    """A number in [0, 1) fixed by the trial's params: noise that differs between trials (and
    between runs of other seeds) but is the same for one set of params."""
    return random.Random(json.dumps(spec.params, sort_keys=True)).random()


def around(base: float):
    """A script: val accuracy `base` + up to 0.08 of params-driven noise, a learning curve
    rising to it over the trial's epochs, and neuron utilization that follows the noise."""

    def script(spec: TrialSpec) -> Outcome:
        noise = spread(spec)
        accuracy = round(base + 0.08 * noise, 6)
        rise = (accuracy - 0.2) / spec.epochs
        curve = [round(0.2 + rise * epoch, 6) for epoch in range(1, spec.epochs + 1)]
        return learning(curve, neuron_utilization=0.5 + 0.4 * noise)

    return script


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("results")
    made_run(root, "high", around(0.85), trials=TRIALS, split_seed=1)
    made_run(root, "twin", around(0.85), trials=TRIALS, seed=2, split_seed=1)
    made_run(root, "low", around(0.55), trials=TRIALS, epochs=2)
    made_run(root, "short", [complete(0.8), fail("out of memory"), complete(0.7)], trials=3)
    return root


def loaded(results_dir: Path, *names: str) -> list[tuple[RunFolder, RunResults]]:
    pairs = []
    for name in names:
        folder = find_run(results_dir, name)
        results = read_results(folder)
        assert results is not None
        pairs.append((folder, results))
    return pairs


def accuracies(results: RunResults) -> list[float]:
    return [
        t.metrics.val_accuracy
        for t in results.trials
        if t.complete and t.metrics.val_accuracy is not None
    ]


def metric(comparison, name: str):
    return next(m for m in comparison.metrics if m.metric == name)


def test_runs_whose_accuracies_clearly_differ_are_called_different(results_dir: Path):
    comparison = compare_runs(loaded(results_dir, "high", "low"))
    accuracy = metric(comparison, "val_accuracy")
    assert accuracy.test == WELCH
    assert accuracy.significant is True
    assert accuracy.p_value is not None and accuracy.p_value < 1e-6
    # high - low: about 0.3, and the interval says so.
    assert accuracy.ci_low is not None and accuracy.ci_high is not None
    assert 0.2 < accuracy.ci_low < 0.3 < accuracy.ci_high < 0.4
    assert accuracy.n == {"high": TRIALS, "low": TRIALS}


def test_two_runs_of_one_script_are_within_noise(results_dir: Path):
    comparison = compare_runs(loaded(results_dir, "high", "twin"))
    accuracy = metric(comparison, "val_accuracy")
    assert accuracy.significant is False
    assert accuracy.p_value is not None and accuracy.p_value >= ALPHA
    assert accuracy.ci_low is not None and accuracy.ci_high is not None
    assert accuracy.ci_low < 0 < accuracy.ci_high


def test_welch_p_value_and_interval_are_scipys(results_dir: Path):
    pairs = loaded(results_dir, "high", "twin")
    expected = stats.ttest_ind(accuracies(pairs[0][1]), accuracies(pairs[1][1]), equal_var=False)
    interval = expected.confidence_interval(0.95)
    accuracy = metric(compare_runs(pairs), "val_accuracy")
    assert accuracy.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert accuracy.p_value == pytest.approx(expected.pvalue, rel=1e-12)
    assert accuracy.ci_low == pytest.approx(interval.low, rel=1e-12)
    assert accuracy.ci_high == pytest.approx(interval.high, rel=1e-12)


def test_three_runs_are_tested_by_kruskal_wallis_as_scipy_gives_it(results_dir: Path):
    pairs = loaded(results_dir, "high", "twin", "low")
    expected = stats.kruskal(*(accuracies(results) for _, results in pairs))
    accuracy = metric(compare_runs(pairs), "val_accuracy")
    assert accuracy.test == KRUSKAL
    assert accuracy.p_value == pytest.approx(expected.pvalue, rel=1e-12)
    assert accuracy.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert accuracy.significant is True
    assert accuracy.ci_low is None and accuracy.ci_high is None


def test_too_few_complete_trials_gives_no_verdict_and_says_why(results_dir: Path):
    comparison = compare_runs(loaded(results_dir, "high", "short"))
    accuracy = metric(comparison, "val_accuracy")
    assert accuracy.significant is None
    assert accuracy.p_value is None and accuracy.test is None
    assert accuracy.reason == f"run short has 2 complete trials; need {MIN_COMPLETE_TRIALS}"
    # The best trial's value is still shown; only the test is withheld.
    high = loaded(results_dir, "high")[0][1]
    assert accuracy.values == {"high": max(accuracies(high)), "short": 0.8}
    short = next(run for run in comparison.runs if run.name == "short")
    assert (short.trials_complete, short.trials_finished) == (2, 3)


def test_a_metric_no_trial_measured_says_so(results_dir: Path):
    comparison = compare_runs(loaded(results_dir, "high", "low"))
    gradient = metric(comparison, "gradient_health")
    assert gradient.significant is None and gradient.p_value is None
    assert gradient.reason == "no complete trial measured gradient_health"
    assert gradient.values == {"high": None, "low": None}
    utilization = metric(comparison, "neuron_utilization")
    assert utilization.test == WELCH and utilization.p_value is not None


def test_best_metrics_params_and_learning_curves_are_the_best_trials(results_dir: Path):
    pairs = loaded(results_dir, "high", "low")
    comparison = compare_runs(pairs)
    for (folder, results), side in zip(pairs, comparison.runs, strict=True):
        best = results.best()
        assert best is not None
        assert side.name == folder.name
        assert side.best_trial == best.number
        assert side.best_val_accuracy == best.metrics.val_accuracy
        assert side.best_params == best.params
        assert side.best_health_components["neuron_utilization"] == (best.health.neuron_utilization)
        assert side.best_health_score is not None
        assert side.learning_curves["val_accuracy"][-1] == pytest.approx(best.metrics.val_accuracy)
    assert [len(side.learning_curves["val_accuracy"]) for side in comparison.runs] == [3, 2]


def test_settings_that_differ_are_listed_without_the_run_identity(results_dir: Path):
    comparison = compare_runs(loaded(results_dir, "high", "low"))
    settings = comparison.setting_differences
    assert settings == {"max_epochs_per_trial": {"high": 3, "low": 2}}
    assert any("run_name and output_dir are left out" in note for note in comparison.notes)


def test_best_params_that_differ_are_listed_conditional_ones_as_none(results_dir: Path):
    comparison = compare_runs(loaded(results_dir, "high", "twin"))
    high, twin = (side.best_params for side in comparison.runs)
    expected = {
        param: {"high": high.get(param), "twin": twin.get(param)}
        for param in set(high) | set(twin)
        if high.get(param) != twin.get(param)
    }
    assert expected  # two seeds' best trials share few params
    assert comparison.param_differences == expected
    # Two runs with one seed sample the same params: nothing differs.
    assert compare_runs(loaded(results_dir, "high", "low")).param_differences == {}


def test_seed_is_the_only_setting_two_seeded_runs_differ_in(results_dir: Path):
    comparison = compare_runs(loaded(results_dir, "high", "twin"))
    assert comparison.setting_differences == {"seed": {"high": 1, "twin": 2}}


def test_runs_on_different_datasets_are_noted(results_dir: Path):
    (high, results), other = loaded(results_dir, "high", "low")
    moved = (other[0], other[1].model_copy(update={"dataset": "fashion_mnist"}))
    comparison = compare_runs([(high, results), moved])
    assert any(
        "different datasets (high: digits, low: fashion_mnist)" in note for note in comparison.notes
    )
    assert not any("different datasets" in n for n in compare_runs([(high, results), other]).notes)


def test_a_best_trial_without_history_is_noted(results_dir: Path, tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(results_dir / "low", copy)
    results = read_results(RunFolder("copy", copy))
    assert results is not None and results.best_trial is not None
    (copy / "trials" / f"trial_{results.best_trial}" / "history.json").unlink()
    comparison = compare_runs(loaded(results_dir, "high") + [(RunFolder("copy", copy), results)])
    assert comparison.runs[1].learning_curves == {}
    assert any(
        f"run copy: no learning curves for its best trial {results.best_trial}" in note
        for note in comparison.notes
    )


def test_fewer_than_two_runs_or_a_name_twice_is_refused(results_dir: Path):
    with pytest.raises(ComparisonError, match="at least two runs, got 1"):
        compare_runs(loaded(results_dir, "high"))
    with pytest.raises(ComparisonError, match="more than once: \\['high'\\]"):
        compare_runs(loaded(results_dir, "high", "high"))


def test_difference_test_on_values_with_known_answers():
    same = difference_test({"a": [0.5, 0.5, 0.5], "b": [0.5, 0.5, 0.5]}, "val_accuracy")
    assert same.significant is False and same.p_value is None
    assert same.reason == "every complete trial has the same val_accuracy"
    apart = difference_test({"a": [0.9, 0.9, 0.9], "b": [0.1, 0.1, 0.1]})
    assert apart.test == WELCH and apart.significant is True
    assert apart.p_value is not None and apart.p_value < 1e-12
    one = difference_test({"a": [0.9], "b": [0.1, 0.2]})
    assert one.reason == (
        f"run a has 1 complete trial; need {MIN_COMPLETE_TRIALS}; "
        f"run b has 2 complete trials; need {MIN_COMPLETE_TRIALS}"
    )
    partly = difference_test(
        {"a": [0.1, 0.2, 0.3], "b": [0.4]}, "gradient_health", {"a": 3, "b": 4}
    )
    assert partly.reason == (
        f"run b: 1 of its 4 complete trials measured gradient_health; need {MIN_COMPLETE_TRIALS}"
    )
    with pytest.raises(ComparisonError):
        difference_test({"a": [1.0, 2.0, 3.0]})


def test_flat_settings_dots_nested_keys_and_keeps_the_fingerprints_digest():
    config = {
        "run_name": "r",
        "output_dir": "out",
        "scoring_weights": {"accuracy_weight": 1.0, "health_components": {"a": 0.5}},
        "data_fingerprint": {"digest": "abc", "arrays": [{"name": "train.x"}]},
        "model": None,
    }
    assert flat_settings(config) == {
        "scoring_weights.accuracy_weight": 1.0,
        "scoring_weights.health_components.a": 0.5,
        "data_fingerprint": "abc",
        "model": None,
    }
