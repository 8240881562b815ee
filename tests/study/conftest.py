"""Small studies made directly (no optimization): a few tiny Keras models per mode, trained
for seconds on the real splits and saved where a study keeps its runs' models, so the
analysis modules can be tested on real models and real holdout predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from healthopt.data import load_dataset
from healthopt.records import Mode
from healthopt.study.config import STUDY_MODES, StudyConfig
from healthopt.study.context import AnalysisContext
from healthopt.study.layout import StudyPaths
from healthopt.study.metadata import RunRecord, StudyMetadata


def _train(dataset, seed: int, hidden: int, epochs: int):
    import keras

    keras.utils.set_random_seed(seed)
    if dataset.modality == "text":
        layers = [
            keras.layers.Embedding(dataset.vocabulary_size, 8),
            keras.layers.GlobalAveragePooling1D(),
        ]
    else:
        layers = [keras.layers.Flatten()]
    model = keras.Sequential(
        [
            keras.Input(dataset.input_shape, dtype="int32" if dataset.modality == "text" else None),
            *layers,
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(dataset.num_classes, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(dataset.train.x, dataset.train.y, epochs=epochs, batch_size=32, verbose=0)
    return model


def make_study(root: Path, dataset_name: str, runs_per_mode: int = 2) -> StudyMetadata:
    """A built study of `runs_per_mode` runs per mode; the health-aware models are a little
    smaller and shorter-trained, so the two modes really differ."""
    config = StudyConfig(
        dataset_name=dataset_name,
        runs_per_mode=runs_per_mode,
        trials_per_run=1,
        max_epochs_per_trial=1,
        output_dir=str(root),
        study_id="tiny",
    )
    paths = StudyPaths.of(root, "tiny")
    dataset = load_dataset(dataset_name, config.split_seed)
    runs = []
    for mode in STUDY_MODES:
        for index in range(runs_per_mode):
            hidden, epochs = (32, 6) if mode is Mode.SIMPLE else (16, 4)
            model = _train(dataset, config.run_seed(index), hidden, epochs)
            run_dir = paths.mode_dir(mode) / f"run_{index}"
            model_path = run_dir / "optimized_model" / "model.keras"
            model_path.parent.mkdir(parents=True)
            model.save(model_path)
            val = model.evaluate(dataset.val.x, dataset.val.y, verbose=0)[1]
            test = model.evaluate(dataset.test.x, dataset.test.y, verbose=0)[1]
            runs.append(
                RunRecord(
                    mode=mode,
                    index=index,
                    seed=config.run_seed(index),
                    run_dir=str(run_dir.relative_to(paths.root)),
                    status="completed",
                    trials_done=1,
                    trials_total=1,
                    best_trial=0,
                    val_accuracy=float(val),
                    test_accuracy=float(test),
                    health_score=0.6 + 0.05 * index,
                    total_score=float(val),
                    num_parameters=int(model.count_params()),
                    model_path=str(model_path.relative_to(paths.root)),
                )
            )
    metadata = StudyMetadata(
        study_id="tiny", config=config.to_dict(), phase="built", state="completed", runs=runs
    )
    metadata.write(paths.metadata)
    return metadata


@pytest.fixture(scope="session")
def tiny_image_study(tmp_path_factory) -> tuple[StudyMetadata, StudyPaths]:
    root = tmp_path_factory.mktemp("image_study")
    return make_study(root, "digits"), StudyPaths.of(root, "tiny")


@pytest.fixture(scope="session")
def tiny_text_study(tmp_path_factory) -> tuple[StudyMetadata, StudyPaths]:
    """Three classes of token sequences, each class drawing from its own ten tokens."""
    root = tmp_path_factory.mktemp("text_study")
    rng = np.random.default_rng(0)
    n, length = 300, 16
    y = np.repeat(np.arange(3), n // 3)
    x = np.zeros((n, length), dtype=np.int32)
    for row, label in enumerate(y):
        size = rng.integers(6, length + 1)
        low = 3 + 10 * label  # ids 0-2 are padding, start and out-of-vocabulary
        x[row, length - size :] = rng.integers(low, low + 10, size=size)
    path = root / "tokens.npz"
    np.savez(path, x=x, y=y)
    return make_study(root, f"npz:{path}"), StudyPaths.of(root, "tiny")


@pytest.fixture(scope="session")
def tiny_tabular_study(tmp_path_factory) -> tuple[StudyMetadata, StudyPaths]:
    """Two classes of float features apart in their means: tabular data."""
    root = tmp_path_factory.mktemp("tabular_study")
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(2), 60)
    x = (rng.normal(size=(120, 5)) + y[:, None]).astype(np.float32)
    path = root / "features.npz"
    np.savez(path, x=x, y=y)
    return make_study(root, f"npz:{path}", runs_per_mode=1), StudyPaths.of(root, "tiny")


@pytest.fixture
def image_context(tiny_image_study) -> AnalysisContext:
    """A fresh context (own prediction cache) over the session's image study; figures go to
    the study's analysis_results/figures."""
    metadata, paths = tiny_image_study
    return AnalysisContext(metadata, paths)


@pytest.fixture
def text_context(tiny_text_study) -> AnalysisContext:
    metadata, paths = tiny_text_study
    return AnalysisContext(metadata, paths)
