"""A run's baselines: scikit-learn's majority-class and logistic-regression accuracy, measured
once on the run's own splits, kept in baselines.json and results.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier

from healthopt.data import load_dataset
from healthopt.optimize.baselines import (
    BASELINES_FILE,
    BaselineMeasurement,
    measure_baselines,
    read_baselines,
)
from healthopt.records import RunBaselines, RunResults

from ..runs.made_runs import made_run
from .scripted import complete

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")


def test_digits_baselines_are_sklearns_on_the_runs_own_splits():
    baselines = measure_baselines("digits", 3)
    majority = baselines.score("majority_class")
    logistic = baselines.score("logistic_regression")
    assert majority is not None and logistic is not None
    dataset = load_dataset("digits", seed=3, holdout=False)
    expected = DummyClassifier(strategy="most_frequent").fit(
        np.zeros((len(dataset.train), 1)), dataset.train.y
    )
    assert majority.val_accuracy == pytest.approx(
        expected.score(np.zeros((len(dataset.val), 1)), dataset.val.y)
    )
    assert majority.val_accuracy == pytest.approx(0.1, abs=0.02)  # ten balanced classes
    # A linear model on 64 pixels is a strong baseline on digits: a search must beat it.
    assert logistic.val_accuracy is not None and logistic.val_accuracy > 0.9
    assert logistic.test_accuracy is not None and logistic.test_accuracy > 0.9
    assert logistic.train_samples == len(dataset.train) and logistic.error is None


def test_text_data_gets_a_bag_of_tokens_regression(text_npz: Path):
    baselines = measure_baselines(f"npz:{text_npz}", 0)
    logistic = baselines.score("logistic_regression")
    assert logistic is not None and logistic.error is None
    # The class decides which tokens appear, so counts of tokens separate the classes.
    assert logistic.val_accuracy is not None and logistic.val_accuracy > 0.9


def test_a_downloaded_dataset_says_why_it_has_no_baselines():
    baselines = measure_baselines("mnist", 0)
    assert [s.val_accuracy for s in baselines.scores] == [None, None]
    assert all("not measured: mnist is downloaded" in (s.error or "") for s in baselines.scores)


def test_a_run_records_its_baselines_in_results_json_and_beside_it(tmp_path: Path):
    run = made_run(tmp_path, "run", [complete(0.97)] * 2, trials=2, epochs=1)
    results = RunResults.from_json((run / "results.json").read_bytes())
    assert results.baselines is not None
    assert results.baselines == read_baselines(run)
    config = json.loads((run / "config.json").read_text())
    assert results.baselines.split_seed == config["split_seed"]  # the trials' own splits
    logistic = results.baselines.score("logistic_regression")
    assert logistic is not None and logistic.val_accuracy is not None


def test_stored_baselines_are_reused_and_a_corrupt_file_is_measured_again(tmp_path: Path):
    stored = RunBaselines.create(dataset="digits", split_seed=5, scores=[])
    (tmp_path / BASELINES_FILE).write_text(json.dumps(stored.to_json()))
    assert BaselineMeasurement(tmp_path, "digits", 5).result() == stored  # no thread, no refit
    # Another seed's file is not this run's: measured again.
    other = BaselineMeasurement(tmp_path, "digits", 6).result(wait=True)
    assert other is not None and other.split_seed == 6 and len(other.scores) == 2
    (tmp_path / BASELINES_FILE).write_text("{not json")
    again = BaselineMeasurement(tmp_path, "digits", 6).result(wait=True)
    assert again is not None and again.split_seed == 6
    assert read_baselines(tmp_path) == again


def test_a_worker_only_reads_what_is_stored(tmp_path: Path):
    assert BaselineMeasurement(tmp_path, "digits", 7, measure=False).result(wait=True) is None
    assert not (tmp_path / BASELINES_FILE).exists()
