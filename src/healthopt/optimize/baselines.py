"""A run's baselines: majority class and logistic regression, on the run's own splits.

Measured once per run by the orchestrator, on a thread beside the first trials, and kept in
the run folder's baselines.json so a resume and every rebuild of results.json reuse it. Both
baselines are scikit-learn's own estimators (`DummyClassifier`, `LogisticRegression`) fitted on
the train split the trials train on and scored on the same validation and test splits.

Only datasets the orchestrator may load are measured (`DatasetInfo.local`: the bundled digits,
`npz:`, `csv:` and image folders). A downloaded dataset would pull TensorFlow and the download
into the orchestrator (see `data.fingerprint.fingerprint_dataset`); its baselines say so.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from pathlib import Path

import numpy as np

from healthopt.data import TEXT, Dataset, DatasetError, load_dataset, lookup
from healthopt.jsonio import write_json_atomic
from healthopt.records import BaselineScore, RunBaselines, SchemaError
from healthopt.records.baselines import BASELINE_NAMES, BaselineName

BASELINES_FILE = "baselines.json"
# Logistic regression's fit grows with samples x features; past this many train samples it is
# fitted on a stratified-by-chance random subsample (recorded in `train_samples`), which costs
# a baseline a point of accuracy at most on the image datasets we ship, not minutes.
MAX_TRAIN_SAMPLES = 10_000
MAX_ITER = 500
log = logging.getLogger(__name__)


def _features(dataset: Dataset, x: np.ndarray) -> np.ndarray:
    """Flattened inputs; token ids become bag-of-token counts, since a linear model on the
    ids' positions would measure padding, not words."""
    if dataset.modality == TEXT:
        rows = np.asarray(x, dtype=np.int64)
        counts = np.zeros((len(rows), dataset.vocabulary_size), dtype=np.float32)
        for i, row in enumerate(rows):
            counts[i] = np.bincount(row, minlength=dataset.vocabulary_size)
        counts[:, 0] = 0.0  # the padding token
        return counts
    return np.asarray(x, dtype=np.float32).reshape(len(x), -1)


def _timed(
    name: BaselineName, fit_and_score: functools.partial[tuple[float, float, int]]
) -> BaselineScore:
    start = time.perf_counter()
    try:
        val, test, samples = fit_and_score()
    except Exception as exc:  # a baseline never stops a run; its error says what went wrong
        return BaselineScore(
            name=name,
            seconds=time.perf_counter() - start,
            error=f"{type(exc).__name__}: {exc}",
        )
    return BaselineScore(
        name=name,
        val_accuracy=val,
        test_accuracy=test,
        seconds=time.perf_counter() - start,
        train_samples=samples,
    )


def _majority(dataset: Dataset) -> tuple[float, float, int]:
    from sklearn.dummy import DummyClassifier

    model = DummyClassifier(strategy="most_frequent")
    model.fit(np.zeros((len(dataset.train), 1)), dataset.train.y)
    val = model.score(np.zeros((len(dataset.val), 1)), dataset.val.y)
    test = model.score(np.zeros((len(dataset.test), 1)), dataset.test.y)
    return float(val), float(test), len(dataset.train)


def _logistic(dataset: Dataset, seed: int) -> tuple[float, float, int]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = _features(dataset, dataset.train.x), dataset.train.y
    if len(y) > MAX_TRAIN_SAMPLES:
        keep = np.random.default_rng(seed).choice(len(y), MAX_TRAIN_SAMPLES, replace=False)
        x, y = x[keep], y[keep]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=MAX_ITER))
    model.fit(x, y)
    val = model.score(_features(dataset, dataset.val.x), dataset.val.y)
    test = model.score(_features(dataset, dataset.test.x), dataset.test.y)
    return float(val), float(test), len(y)


@functools.lru_cache(maxsize=8)
def measure_baselines(dataset_name: str, split_seed: int) -> RunBaselines:
    """Both baselines of `dataset_name` split with `split_seed`. Cached per process: the data of
    a name and seed is fixed (a resume refuses changed data: `optimize.resume`)."""
    if not lookup(dataset_name).local:
        reason = (
            f"not measured: {dataset_name} is downloaded by the workers, and the orchestrator "
            "does not load downloaded datasets"
        )
        scores = [BaselineScore(name=name, error=reason) for name in BASELINE_NAMES]
        return RunBaselines.create(dataset=dataset_name, split_seed=split_seed, scores=scores)
    try:
        dataset = load_dataset(dataset_name, seed=split_seed, holdout=False)
    except DatasetError as exc:
        error = f"the data could not be loaded: {exc}"
        scores = [BaselineScore(name=name, error=error) for name in BASELINE_NAMES]
        return RunBaselines.create(dataset=dataset_name, split_seed=split_seed, scores=scores)
    scores = [
        _timed("majority_class", functools.partial(_majority, dataset)),
        _timed("logistic_regression", functools.partial(_logistic, dataset, split_seed)),
    ]
    return RunBaselines.create(dataset=dataset_name, split_seed=split_seed, scores=scores)


def read_baselines(run_dir: Path) -> RunBaselines | None:
    """The run's baselines.json; None when it has none yet or it is not ours (it is measured
    again then, never trusted)."""
    try:
        return RunBaselines.from_json((run_dir / BASELINES_FILE).read_bytes())
    except (OSError, SchemaError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.warning("%s/%s is not readable (%s); measuring again", run_dir, BASELINES_FILE, exc)
        return None


class BaselineMeasurement:
    """Baselines measured on a thread while the first trials run, written to baselines.json.

    `result()` is what results.json records: None until they are measured."""

    def __init__(
        self, run_dir: Path, dataset_name: str, split_seed: int, measure: bool = True
    ) -> None:
        """`measure=False` (a worker joining a shared study) only reads what is stored."""
        self._run_dir = run_dir
        self._stored = read_baselines(run_dir)
        if self._stored is not None and (
            self._stored.dataset != dataset_name or self._stored.split_seed != split_seed
        ):
            self._stored = None  # another run's data: measure this one's
        self._thread: threading.Thread | None = None
        if self._stored is None and measure:
            self._thread = threading.Thread(
                target=self._measure,
                args=(dataset_name, split_seed),
                name="healthopt-baselines",
                daemon=True,
            )
            self._thread.start()

    def _measure(self, dataset_name: str, split_seed: int) -> None:
        baselines = measure_baselines(dataset_name, split_seed)
        try:
            write_json_atomic(self._run_dir / BASELINES_FILE, baselines.to_json())
        except OSError as exc:  # the folder went away; results.json still records them
            log.warning("could not write %s: %s", BASELINES_FILE, exc)
        self._stored = baselines

    def result(self, wait: bool = False) -> RunBaselines | None:
        """The baselines once measured; with `wait`, after the measurement finished."""
        if wait and self._thread is not None:
            self._thread.join()
        return self._stored
