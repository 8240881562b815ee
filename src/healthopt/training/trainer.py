"""Trainer: fits a compiled model on a dataset's train split with the observer attached."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import keras
import numpy as np

from healthopt.data import Dataset, Split
from healthopt.records import EpochRecord, finite_or_none
from healthopt.training.observer import Gradients, ProbeListener, TrainingObserver

PROBE_BATCH_SIZE = 128
PREDICT_BATCH_SIZE = 1024


@dataclass
class TrainingOutcome:
    """What one fit produced: the Keras history, the observer records, and how it ended."""

    history: dict[str, list[float | None]]
    records: list[EpochRecord]
    fit_seconds: float
    epochs_run: int
    nan_detected_at: tuple[int, int] | None = None

    @property
    def diverged(self) -> bool:
        return self.nan_detected_at is not None


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and the backend so a trial with a given seed repeats."""
    keras.utils.set_random_seed(seed)


def fit(
    model: keras.Model,
    dataset: Dataset,
    epochs: int,
    batch_size: int,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> TrainingOutcome:
    """Train on `train`, validate on `val` each epoch; stop early only if the loss is NaN.

    `callbacks` run after the observer, so they see an epoch once its record exists; those
    that are `ProbeListener`s also get each record with its probe-batch gradients.
    """
    train, val = dataset.train, dataset.val
    listeners = [callback for callback in callbacks if isinstance(callback, ProbeListener)]
    observer = TrainingObserver(
        probe_x=train.x[:PROBE_BATCH_SIZE],
        probe_y=train.y[:PROBE_BATCH_SIZE],
        train_samples=len(train),
        batch_size=batch_size,
        on_epoch=on_epoch,
        on_probe=_fan_out(listeners) if listeners else None,
    )
    start = time.perf_counter()
    history = model.fit(
        train.x,
        train.y,
        validation_data=(val.x, val.y),
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=0,
        callbacks=[observer, *callbacks],
    )
    fit_seconds = time.perf_counter() - start
    clean_history = {
        name: [finite_or_none(v) for v in values] for name, values in history.history.items()
    }
    return TrainingOutcome(
        history=clean_history,
        records=observer.records,
        fit_seconds=fit_seconds,
        epochs_run=len(observer.records),
        nan_detected_at=observer.nan_detected_at,
    )


def _fan_out(listeners: list[ProbeListener]) -> Callable[[EpochRecord, Gradients], None]:
    def on_probe(record: EpochRecord, gradients: Gradients) -> None:
        for listener in listeners:
            listener.on_probe(record, gradients)

    return on_probe


@dataclass(frozen=True, eq=False)
class SplitEvaluation:
    """One prediction pass over a split, and what `model.evaluate` would report for it.

    The loss and accuracy are derived from the same predictions that the health score, the
    analyzer and the plot inputs read, so a trial runs its model over each split once.
    """

    probabilities: np.ndarray  # (samples, classes), rows summing to 1 (`as_probabilities`)
    correct: np.ndarray  # one bool per sample: was the arg-max prediction the label
    loss: float  # the compiled loss plus the model's regularization losses, as evaluate's
    accuracy: float  # the compiled "accuracy" metric


def evaluate_split(model: keras.Model, split: Split) -> SplitEvaluation:
    """Predict `split` once and score it with the model's own compiled loss and metrics.

    Eager batches, as `health.evaluate` runs them: a trial's model is new, so `predict` or
    `evaluate` would each trace a function for a few hundred samples (0.1-0.3 s on digits).
    Losses that depend on the batch (activity regularizers, `add_loss` in `call`) cannot be
    recomputed from predictions; such a model's loss comes from `model.evaluate` instead.
    """
    from healthopt.analysis.layers import as_probabilities

    if len(split) == 0:
        raise ValueError("cannot evaluate a model on a split with no samples")
    outputs = np.concatenate(
        [
            np.asarray(model(split.x[i : i + PREDICT_BATCH_SIZE], training=False))
            for i in range(0, len(split), PREDICT_BATCH_SIZE)
        ]
    )
    y_true = keras.ops.convert_to_tensor(split.y)
    y_pred = keras.ops.convert_to_tensor(outputs)
    model.reset_metrics()  # as evaluate does: the metrics then hold this split alone
    metrics = model.compute_metrics(None, y_true, y_pred)
    if "accuracy" not in metrics:
        raise ValueError(f"the model is not compiled with metrics=['accuracy'] ({list(metrics)})")
    if _has_batch_losses(model):
        loss = model.evaluate(split.x, split.y, verbose=0, return_dict=True)["loss"]
    else:
        loss = model.compute_loss(y=y_true, y_pred=y_pred, training=False)
    probabilities = as_probabilities(outputs)
    return SplitEvaluation(
        probabilities=probabilities,
        correct=np.argmax(probabilities, axis=1) == np.asarray(split.y).reshape(-1),
        loss=float(loss),
        accuracy=float(metrics["accuracy"]),
    )


def _has_batch_losses(model: keras.Model) -> bool:
    """Whether the last call left losses beyond the weights' regularizers (one per
    regularized weight), which vary with the batch and so need evaluate's own batches."""
    regularized = sum(
        1 for weight in model.trainable_weights if getattr(weight, "regularizer", None)
    )
    return len(model.losses) > regularized
