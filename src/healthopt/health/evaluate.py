"""evaluate: the six health components and the diagnostics report for any Keras training.

A healthopt trial computes both from its own records (`trial._health`, `trial._diagnose`);
this is the same computation for a model someone trained themselves with
`healthopt.keras.HealthMonitor` attached. It needs the monitor's epoch records, the trained
model and the validation data; it predicts the validation labels itself (and the training
labels, when given, for the train accuracy). The model is duck-typed (anything callable as
`model(x, training=False)` or with `predict`), so importing this module costs no TensorFlow;
only the architecture summary imports Keras, when `evaluate` runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from healthopt.diagnostics import (
    DiagnosticInput,
    DiagnosticReport,
    DiagnosticThresholds,
    run_diagnostics,
)
from healthopt.health.metrics import Component, HealthInputs, HealthReport, compute_health
from healthopt.records import EpochRecord

PREDICT_BATCH_SIZE = 1024


@dataclass(frozen=True)
class HealthEvaluation:
    """What `evaluate` found: the health components, the diagnostics, and the figures they read.

    `health` is the six-component `HealthReport` (values in [0, 1], or None with a reason);
    `diagnostics` the engine's report (0-100 `health_score`, issues). `reference_parameters`
    is the linear classifier's size that parameter efficiency measures against (None when
    the inputs are tokens and no Embedding layer states the vocabulary);
    `train_accuracy` is None unless `train_data` was given.
    """

    health: HealthReport
    diagnostics: DiagnosticReport
    val_accuracy: float
    chance_accuracy: float
    num_classes: int
    num_parameters: int
    reference_parameters: int | None
    train_accuracy: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: health.json's layout under "health", diagnostics.json's under
        "diagnostics", and the figures they were computed from."""
        return {
            "health": self.health.to_dict(),
            "diagnostics": self.diagnostics.to_dict(),
            "val_accuracy": self.val_accuracy,
            "train_accuracy": self.train_accuracy,
            "chance_accuracy": self.chance_accuracy,
            "num_classes": self.num_classes,
            "num_parameters": self.num_parameters,
            "reference_parameters": self.reference_parameters,
        }


def evaluate(
    records: list[EpochRecord],
    model: Any,
    val_data: tuple[Any, Any],
    *,
    train_data: tuple[Any, Any] | None = None,
    chance_accuracy: float | None = None,
    thresholds: DiagnosticThresholds | None = None,
) -> HealthEvaluation:
    """The health components and diagnostics of `model`, trained while `records` were made.

    `records`: `HealthMonitor.records` (or the epoch records of observer.json).
    `val_data`: `(x, y)` with integer class labels (or one-hot rows); the model must output
    one score per class, shape (samples, classes). `chance_accuracy` defaults to the
    majority-class fraction of the validation labels. Parameter efficiency compares the
    model with a linear classifier on the same inputs, (features + 1) x classes weights,
    where features are the input values per sample, or the vocabulary for integer token
    sequences (read from the model's Embedding layer). `thresholds` are the diagnostics
    engine's (`healthopt diagnose --thresholds`).

    Raises ValueError naming the problem for empty records, mismatched or empty data, labels
    outside the model's classes, or a chance level outside [0, 1].
    """
    from healthopt.models.architecture import describe_model

    epochs = _records(records)
    x_val, y_val = _data(val_data, "val_data")
    scores = _predict(model, x_val, "val_data")
    num_classes = scores.shape[1]
    labels = _labels(y_val, num_classes, "val_data")
    val_correct = np.argmax(scores, axis=1) == labels
    val_accuracy = float(val_correct.mean())
    chance = _chance(chance_accuracy, labels, num_classes)
    train_accuracy = None
    if train_data is not None:
        x_train, y_train = _data(train_data, "train_data")
        train_scores = _predict(model, x_train, "train_data")
        train_labels = _labels(y_train, num_classes, "train_data")
        train_accuracy = float(np.mean(np.argmax(train_scores, axis=1) == train_labels))
    architecture = describe_model(model)
    num_parameters = int(model.count_params())
    reference, basis = _reference(x_val, num_classes, architecture.vocabulary_size)
    health = compute_health(
        HealthInputs(
            epochs=epochs,
            val_correct=val_correct,
            val_accuracy=val_accuracy,
            chance_accuracy=chance,
            num_parameters=num_parameters,
            reference_parameters=reference or 0,
            num_classes=num_classes,
        )
    )
    diagnostics = run_diagnostics(
        DiagnosticInput(epochs=epochs, architecture=architecture, chance_accuracy=chance),
        thresholds,
    )
    return HealthEvaluation(
        health=_with_reference_basis(health, reference, basis),
        diagnostics=diagnostics,
        val_accuracy=val_accuracy,
        chance_accuracy=chance,
        num_classes=num_classes,
        num_parameters=num_parameters,
        reference_parameters=reference,
        train_accuracy=train_accuracy,
    )


def _records(records: list[EpochRecord]) -> list[EpochRecord]:
    found = list(records)
    if not found:
        raise ValueError(
            "records is empty: pass HealthMonitor.records after a model.fit that ran at "
            "least one epoch with the monitor in its callbacks"
        )
    for i, record in enumerate(found):
        if not isinstance(record, EpochRecord):
            raise ValueError(
                f"records[{i}] is a {type(record).__name__}, not an EpochRecord "
                "(read observer.json with healthopt.records.read_epochs)"
            )
    return found


def _data(data: tuple[Any, Any], name: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError(f"{name} must be a tuple (x, y), got {type(data).__name__}")
    x, y = (np.asarray(part) for part in data)
    if x.ndim < 2:
        raise ValueError(f"{name} x must be (samples, features...), got shape {x.shape}")
    if len(x) == 0:
        raise ValueError(f"{name} holds no samples")
    if y.ndim == 0 or len(x) != len(y):
        raise ValueError(f"{name} x has {len(x)} samples but y has shape {y.shape}")
    return x, y


def _predict(model: Any, x: np.ndarray, name: str) -> np.ndarray:
    """Class scores, batch by batch: eager calls trace no predict function for small data."""
    if callable(model):
        parts = [
            np.asarray(model(x[i : i + PREDICT_BATCH_SIZE], training=False))
            for i in range(0, len(x), PREDICT_BATCH_SIZE)
        ]
        scores = np.concatenate(parts)
    elif hasattr(model, "predict"):
        scores = np.asarray(model.predict(x, batch_size=PREDICT_BATCH_SIZE, verbose=0))
    else:
        raise ValueError(f"model must be a Keras model (callable or with predict), got {model!r}")
    if scores.ndim != 2 or scores.shape[1] < 2 or len(scores) != len(x):
        raise ValueError(
            f"the model must give one score per class, shape ({len(x)}, classes >= 2), for "
            f"{name}; it gave shape {scores.shape}"
        )
    return scores


def _labels(y: np.ndarray, num_classes: int, name: str) -> np.ndarray:
    """Integer class ids from integer labels, (n, 1) columns or one-hot rows."""
    if y.ndim == 2 and y.shape[1] == num_classes and num_classes > 1:
        y = np.argmax(y, axis=1)
    elif y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            f"{name} y must be class ids (samples,) or one-hot (samples, {num_classes}); "
            f"got shape {y.shape}"
        )
    if not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.mod(y, 1) == 0):
            raise ValueError(f"{name} y must hold integer class ids, got {y.dtype} values")
        y = y.astype(np.int64)
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(
            f"{name} y holds class ids {int(y.min())}..{int(y.max())}, but the model scores "
            f"{num_classes} classes (0..{num_classes - 1})"
        )
    return y.astype(np.int64)


def _chance(given: float | None, labels: np.ndarray, num_classes: int) -> float:
    if given is None:
        return float(np.bincount(labels, minlength=num_classes).max() / len(labels))
    if not 0.0 <= given <= 1.0:
        raise ValueError(f"chance_accuracy must be in [0, 1], got {given}")
    return float(given)


def _reference(x: np.ndarray, num_classes: int, vocabulary: int | None) -> tuple[int | None, str]:
    """(weights of a linear classifier on these inputs, how its input size was found), as
    `Dataset.linear_classifier_parameters` counts them: bag of tokens for token sequences."""
    if x.ndim == 2 and np.issubdtype(x.dtype, np.integer):
        if vocabulary is None:
            return None, (
                "the inputs are integer token sequences and the model has no Embedding layer "
                "stating the vocabulary, so the linear-classifier reference is unknown"
            )
        return (vocabulary + 1) * num_classes, f"bag of tokens over a vocabulary of {vocabulary}"
    features = int(np.prod(x.shape[1:]))
    return (features + 1) * num_classes, f"{features} input features"


def _with_reference_basis(health: HealthReport, reference: int | None, basis: str) -> HealthReport:
    """The report with parameter efficiency saying what it was measured against, or why it
    could not be (compute_health's own reason would only say "parameter count unknown")."""
    name = "parameter_efficiency"
    current = health.components[name]
    if reference is None:
        updated = Component(None, basis)
    else:
        updated = replace(current, details={**current.details, "reference_basis": basis})
    return HealthReport({**health.components, name: updated})
