"""Recommendations: p-values equal scipy's on the same numbers, and crafted runs whose answer is
known give it (a learning rate that drives accuracy, a steady train/val gap, a still-rising
curve, a fast batch size, a setting the best past trials share), while a run whose accuracy
is noise gets no recommendation at all."""

from __future__ import annotations

import json
import math
import random
import shutil
from pathlib import Path

import pytest
from scipy import stats

from healthopt.records import RunResults, TrialRecord, TrialSpec
from healthopt.records.recommendations import TOPICS, InsufficientData, Recommendation
from healthopt.runs.history import MIN_POOLED_TRIALS, is_categorical, past_runs, setting_patterns
from healthopt.runs.index import RunFolder, find_run, read_results
from healthopt.runs.recommendations import (
    MAX_DROPOUT,
    MIN_TRIALS,
    confidence,
    convergence,
    gain_priority,
    historical,
    learning_rate,
    no_results_report,
    overfitting,
    recommend,
    recommend_run,
)

from ..builders import healthy_epoch
from ..optimize.scripted import complete, learning
from .made_runs import made_run


def train_accuracy(k: int) -> float:
    """The train accuracy the scripted executor writes into history.json at 0-based epoch k."""
    return healthy_epoch(k)["accuracy"]["train"]


def learning_rate_of(spec: TrialSpec) -> float:
    return next(float(v) for k, v in spec.params.items() if k.endswith("_learning_rate"))  # type: ignore[arg-type]


def lr_driven(spec: TrialSpec) -> object:
    """Val accuracy = f(log10 lr) + small noise."""
    noise = random.Random(spec.trial_number).gauss(0.0, 0.005)
    return complete(0.6 + 0.1 * math.log10(learning_rate_of(spec)) + noise)


def noise_only(spec: TrialSpec) -> object:
    """Val accuracy independent of every param: the train accuracy plus noise, each epoch."""
    rng = random.Random(1000 + spec.trial_number)
    return learning([train_accuracy(k) + rng.gauss(0.0, 0.03) for k in range(spec.epochs)])


def steady_gap(spec: TrialSpec) -> object:
    """8 epochs, val 0.08 below train throughout, still rising at the end."""
    rng = random.Random(spec.trial_number)
    return learning([train_accuracy(k) - 0.08 + rng.gauss(0.0, 0.004) for k in range(spec.epochs)])


@pytest.fixture(scope="module")
def lr_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunFolder, RunResults]:
    root = tmp_path_factory.mktemp("lr")
    made_run(root, "lr", lr_driven, trials=20)
    run = find_run(root, "lr")
    results = read_results(run)
    assert results is not None
    return run, results


@pytest.fixture(scope="module")
def noise_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunFolder, RunResults]:
    root = tmp_path_factory.mktemp("noise")
    made_run(root, "noise", noise_only, trials=20)
    run = find_run(root, "noise")
    results = read_results(run)
    assert results is not None
    return run, results


@pytest.fixture(scope="module")
def gap_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunFolder, RunResults]:
    root = tmp_path_factory.mktemp("gap")
    made_run(root, "gap", steady_gap, trials=4, epochs=8)
    run = find_run(root, "gap")
    results = read_results(run)
    assert results is not None
    return run, results


def topic(report, name: str) -> Recommendation | InsufficientData:
    found = [r for r in [*report.recommendations, *report.insufficient] if r.topic == name]
    assert len(found) == 1, f"{name} appears {len(found)} times"
    return found[0]


def history_of(run: RunFolder, number: int) -> dict[str, list[float]]:
    return json.loads((run.path / "trials" / f"trial_{number}" / "history.json").read_text())


# -- confidence and priority rules ------------------------------------------------------------
def test_confidence_follows_the_p_value_thresholds():
    assert confidence(0.0099) == "high"
    assert confidence(0.01) == "medium"
    assert confidence(0.0499) == "medium"
    assert confidence(0.05) is None


def test_priority_follows_the_expected_gain():
    assert gain_priority(0.08) == "high"
    assert gain_priority(0.02) == "medium"
    assert gain_priority(0.001) == "low"
    assert gain_priority(None) == "low"


# -- learning rate ----------------------------------------------------------------------------
def test_a_learning_rate_that_drives_accuracy_is_recommended_with_high_confidence(lr_run):
    run, results = lr_run
    report = recommend(run, results, [])
    found = topic(report, "learning_rate")
    assert isinstance(found, Recommendation)
    assert found.confidence == "high"
    assert found.evidence.statistic is not None and found.evidence.statistic > 0.9
    assert "pooled" in found.rationale
    # The suggested range is the top quarter's rates; the chosen trial's rate is "current".
    chosen = next(t for t in results.trials if t.number == results.best_trial)
    name, value = next((k, v) for k, v in chosen.params.items() if k.endswith("_learning_rate"))
    assert found.current == f"{name}={value:.3g}"
    assert name in found.suggested


def test_learning_rate_p_value_and_interval_are_scipys(lr_run):
    run, results = lr_run
    found = learning_rate(results, None)
    assert isinstance(found, Recommendation)
    trials = [t for t in results.trials if t.complete]
    logs = [
        math.log10(next(float(v) for k, v in t.params.items() if k.endswith("_learning_rate")))  # type: ignore[arg-type]
        for t in trials
    ]
    accuracy = [t.metrics.val_accuracy for t in trials]
    expected = stats.spearmanr(logs, accuracy)
    assert found.evidence.n == len(trials)
    assert found.evidence.p_value == pytest.approx(float(expected.pvalue), rel=1e-12)
    assert found.evidence.statistic == pytest.approx(float(expected.statistic), rel=1e-12)
    interval = stats.pearsonr(stats.rankdata(logs), stats.rankdata(accuracy)).confidence_interval()
    assert (found.evidence.ci_low, found.evidence.ci_high) == pytest.approx(
        (interval.low, interval.high)
    )


def test_too_few_trials_is_insufficient_data_with_the_reason(gap_run):
    run, results = gap_run
    found = topic(recommend(run, results, []), "learning_rate")
    assert isinstance(found, InsufficientData)
    assert f"at least {MIN_TRIALS}" in found.reason
    complete_trials = sum(t.complete for t in results.trials)
    assert complete_trials < MIN_TRIALS
    assert found.reason.startswith(f"{complete_trials} complete trials")


# -- a run without signal ---------------------------------------------------------------------
def test_a_run_whose_accuracy_is_noise_gets_no_recommendation(noise_run):
    run, results = noise_run
    report = recommend(run, results, [])
    assert report.recommendations == []
    assert sorted(i.topic for i in report.insufficient) == sorted(TOPICS)
    assert topic(report, "learning_rate").reason.startswith("no significant signal")  # type: ignore[union-attr]


# -- overfitting and convergence --------------------------------------------------------------
def test_a_steady_train_val_gap_gives_overfitting_with_scipys_t_test(gap_run):
    run, results = gap_run
    found = topic(recommend(run, results, []), "overfitting")
    assert isinstance(found, Recommendation)
    assert found.confidence == "high"
    assert found.priority == "high"  # a mean gap of 0.08 is over HIGH_GAIN
    history = history_of(run, results.best_trial)  # type: ignore[arg-type]
    gaps = [a - v for a, v in zip(history["accuracy"], history["val_accuracy"], strict=True)]
    expected = stats.ttest_1samp(gaps, 0.0, alternative="greater")
    assert found.evidence.p_value == pytest.approx(float(expected.pvalue), rel=1e-9)
    interval = stats.ttest_1samp(gaps, 0.0).confidence_interval()
    assert found.evidence.ci_low == pytest.approx(interval.low)
    assert found.evidence.ci_high == pytest.approx(interval.high)
    assert found.evidence.effect_size == pytest.approx(sum(gaps) / len(gaps) / stats.tstd(gaps))
    # Higher dropout for each dropout param the chosen trial has, never past the maximum.
    chosen = next(t for t in results.trials if t.number == results.best_trial)
    for name, value in chosen.params.items():
        if "dropout" in name and float(value) < MAX_DROPOUT:  # type: ignore[arg-type]
            assert f"{name}=" in found.suggested
            assert f"{name}={float(value):.3g}" in (found.current or "")  # type: ignore[arg-type]


def test_overfitting_falls_back_to_the_loss_gap_and_judges_its_size():
    trial = TrialRecord(number=3, state="COMPLETE", params={"hidden_dropout": 0.45})
    curves = {"loss": [0.5, 0.4, 0.3, 0.25], "val_loss": [0.8, 0.71, 0.62, 0.56]}
    found = overfitting(trial, curves, None)  # type: ignore[arg-type]
    assert isinstance(found, Recommendation)
    assert "val - train loss" in found.evidence.test
    assert found.suggested == f"hidden_dropout={MAX_DROPOUT:.3g}"
    tiny = {"accuracy": [0.9, 0.91, 0.92, 0.93], "val_accuracy": [0.895, 0.904, 0.916, 0.924]}
    small = overfitting(trial, tiny, None)  # type: ignore[arg-type]
    assert isinstance(small, InsufficientData) and "small" in small.reason
    flat = {"accuracy": [0.75, 0.75, 0.75], "val_accuracy": [0.5, 0.5, 0.5]}
    constant = overfitting(trial, flat, None)  # type: ignore[arg-type]
    assert isinstance(constant, InsufficientData) and "no variance" in constant.reason


def test_a_still_rising_curve_gives_convergence_with_an_extrapolated_gain(gap_run):
    run, results = gap_run
    found = topic(recommend(run, results, []), "convergence")
    assert isinstance(found, Recommendation)
    curve = history_of(run, results.best_trial)["val_accuracy"]  # type: ignore[arg-type]
    epochs = list(range(5, 9))  # the last half of 8 epochs
    fit = stats.linregress(epochs, curve[4:], alternative="greater")
    assert found.evidence.p_value == pytest.approx(float(fit.pvalue), rel=1e-9)
    assert found.evidence.statistic == pytest.approx(fit.slope)
    assert found.current == "8 epochs" and found.suggested == "12 epochs"
    # 4 more epochs at ~0.065 would pass 1.0: the gain is capped at what is left.
    assert found.expected_gain == pytest.approx(min(4 * fit.slope, 1.0 - curve[-1]))
    assert found.evidence.ci_high is not None and found.evidence.ci_high <= 1.0 - curve[-1]


def test_a_flat_curve_gives_no_convergence_and_short_runs_say_so():
    trial = TrialRecord(number=0, state="COMPLETE", epochs_run=8)
    flat = {"val_accuracy": [0.5, 0.7, 0.8, 0.85, 0.9, 0.89, 0.91, 0.9]}
    assert isinstance(convergence(trial, flat, None), InsufficientData)  # type: ignore[arg-type]
    short = convergence(trial, {"val_accuracy": [0.5, 0.6, 0.7]}, None)  # type: ignore[arg-type]
    assert isinstance(short, InsufficientData) and "at least 3" in short.reason


# -- batch size -------------------------------------------------------------------------------
def _timed_copy(lr_run, root: Path, memory: bool) -> tuple[RunFolder, RunResults]:
    """The lr run with batch 64 taking half the seconds per epoch of batch 32."""
    run, results = lr_run
    target = root / "timed"
    shutil.copytree(run.path, target)
    trials = []
    for t in results.trials:
        batch = t.params["batch_size"]
        per_epoch = (1.0 if batch == 64 else 2.0) * (1 + 0.05 * random.Random(t.number).random())
        trials.append(t.model_copy(update={"timings": {"fit_seconds": per_epoch * t.epochs_run}}))
        if memory:
            epochs = [{"memory": {"process_rss_mb": 900.0 + 4 * batch + k}} for k in range(3)]  # type: ignore[operator]
            (target / "trials" / f"trial_{t.number}" / "observer.json").write_text(
                json.dumps(epochs)
            )
    copy = results.model_copy(update={"trials": trials, "run_name": "timed"})
    (target / "results.json").write_text(copy.to_json_text())
    folder = find_run(root, "timed")
    reread = read_results(folder)
    assert reread is not None
    return folder, reread


def test_batch_size_against_epoch_time_says_when_memory_was_not_recorded(lr_run, tmp_path):
    run, results = _timed_copy(lr_run, tmp_path, memory=False)
    found = topic(recommend(run, results, []), "batch_size")
    assert isinstance(found, Recommendation)
    assert found.suggested == "batch_size=64"
    assert found.confidence == "high"
    assert "epoch time only" in found.rationale
    timed = [t for t in results.trials if t.complete]
    expected = stats.spearmanr(
        [t.params["batch_size"] for t in timed],
        [t.timings["fit_seconds"] / t.epochs_run for t in timed],
    )
    assert found.evidence.p_value == pytest.approx(float(expected.pvalue), rel=1e-12)


def test_batch_size_reads_peak_memory_where_the_observer_recorded_it(lr_run, tmp_path):
    run, results = _timed_copy(lr_run, tmp_path, memory=True)
    found = topic(recommend(run, results, []), "batch_size")
    assert isinstance(found, Recommendation)
    assert "Peak process memory" in found.rationale
    assert "headroom itself is unknown" in found.rationale


def test_batch_size_without_fit_times_is_insufficient(lr_run):
    run, results = lr_run  # scripted trials record no fit_seconds
    found = topic(recommend(run, results, []), "batch_size")
    assert isinstance(found, InsufficientData) and "fit_seconds" in found.reason


# -- historical -------------------------------------------------------------------------------
def _past_copy(noise: RunResults, name: str) -> RunResults:
    """The noise run with activation gelu exactly in its top quarter by val accuracy."""
    complete_trials = sorted(
        (t for t in noise.trials if t.complete), key=lambda t: -(t.metrics.val_accuracy or 0)
    )
    top = {t.number for t in complete_trials[: math.ceil(len(complete_trials) / 4)]}
    others = ["relu", "elu", "swish"]
    trials = [
        t.model_copy(
            update={
                "params": {
                    **t.params,
                    "activation": "gelu" if t.number in top else others[t.number % 3],
                }
            }
        )
        for t in noise.trials
    ]
    return noise.model_copy(update={"trials": trials, "run_name": name})


def test_historical_pattern_from_two_past_runs(lr_run, noise_run, tmp_path):
    run, results = lr_run
    current = tmp_path / "current"
    shutil.copytree(run.path, current)
    for name in ("past_a", "past_b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(_past_copy(noise_run[1], name).to_json_text())
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "results.json").write_text("{not json")
    folder = find_run(tmp_path, "current")
    past = past_runs(folder, results.dataset)
    assert sorted(past.names) == ["past_a", "past_b"]
    assert len(past.skipped) == 1 and "broken" in past.skipped[0]

    report = recommend_run(folder, results)
    found = topic(report, "historical")
    assert isinstance(found, Recommendation)
    assert found.suggested == "activation=gelu"
    assert found.confidence == "high"
    assert "1 unreadable run folders skipped" in found.rationale
    assert any("broken" in note for note in report.notes)
    # Fisher's exact test on the pooled 2x2 table, as scipy computes it.
    pooled = [t for r in past.runs for t in r.trials if t.complete]
    n_top = math.ceil(len(pooled) / 4)
    gelu = sum(t.params["activation"] == "gelu" for t in pooled)
    table = [[n_top, 0], [gelu - n_top, len(pooled) - n_top - (gelu - n_top)]]
    expected = stats.fisher_exact(table, alternative="greater")
    assert found.evidence.p_value == pytest.approx(float(expected.pvalue), rel=1e-9)
    assert found.evidence.p_value_adjusted is not None
    assert found.evidence.p_value_adjusted >= found.evidence.p_value


def test_historical_without_past_runs_or_with_noise_says_why(noise_run):
    assert isinstance(historical([], None), InsufficientData)
    few = noise_run[1].model_copy(update={"trials": noise_run[1].trials[: MIN_POOLED_TRIALS - 1]})
    thin = historical([few], None)
    assert isinstance(thin, InsufficientData) and f"at least {MIN_POOLED_TRIALS}" in thin.reason
    # Params drawn at random, accuracy noise: nothing survives the adjustment.
    assert all(p.p_adjusted >= 0.05 for p in setting_patterns([noise_run[1]]))


def test_categorical_and_numeric_params_are_told_apart():
    assert is_categorical(["relu", "gelu"])
    assert is_categorical([32, 64, 32])
    assert is_categorical([True, False])
    assert not is_categorical([0.1, 0.25, 0.3])
    assert not is_categorical(list(range(20)))


def test_a_run_without_results_has_every_topic_insufficient(tmp_path):
    report = no_results_report(RunFolder("waiting", tmp_path))
    assert report.recommendations == []
    assert sorted(i.topic for i in report.insufficient) == sorted(TOPICS)
