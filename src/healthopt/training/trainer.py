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


def correct_predictions(model: keras.Model, split: Split) -> np.ndarray:
    """One bool per sample: was the arg-max prediction the label. Eager batches, so no
    prediction function has to be traced for a few hundred samples."""
    hits = [
        np.argmax(np.asarray(model(split.x[i : i + PREDICT_BATCH_SIZE], training=False)), axis=1)
        == split.y[i : i + PREDICT_BATCH_SIZE]
        for i in range(0, len(split), PREDICT_BATCH_SIZE)
    ]
    return np.concatenate(hits) if hits else np.zeros(0, dtype=bool)
