"""TrainingObserver: a Keras callback that records what happens inside a model each epoch.

One record per epoch, shaped like seed 004's section 4.1 epoch payload: the loss spread over
batches, validation figures, speed, memory, CPU, and per-layer health on a fixed probe batch
(gradient norm, weight statistics, activation statistics). Health metrics and diagnostics
read these records later, so every value is a plain JSON number (non-finite -> None).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import psutil
import tensorflow as tf

# Below this magnitude a weight counts as zero when measuring sparsity.
SPARSITY_THRESHOLD = 1e-6


def finite_or_none(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _stats(values: np.ndarray) -> dict[str, float | None]:
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return {"mean": None, "std": None, "min": None, "max": None}
    with np.errstate(over="ignore", invalid="ignore"):  # diverged losses become None
        return {
            "mean": finite_or_none(values.mean()),
            "std": finite_or_none(values.std()),
            "min": finite_or_none(values.min()),
            "max": finite_or_none(values.max()),
        }


class TrainingObserver(keras.callbacks.Callback):
    """Collects per-epoch records; `records` is the list of JSON-ready dicts.

    `probe_x`/`probe_y` is a fixed batch, the same every epoch, so per-layer figures are
    comparable across epochs. `on_epoch` (optional) receives each record as it is made,
    which is how progress leaves a worker process.
    """

    def __init__(
        self,
        probe_x: np.ndarray,
        probe_y: np.ndarray,
        train_samples: int,
        batch_size: int,
        on_epoch: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        super().__init__()
        self.probe_x = probe_x
        self.probe_y = probe_y
        self.train_samples = train_samples
        self.batch_size = batch_size
        self.on_epoch = on_epoch
        self.records: list[dict[str, Any]] = []
        self.nan_detected_at: tuple[int, int] | None = None
        self._process = psutil.Process()
        self._probe_model: keras.Model | None = None
        self._probe_layers: list[keras.layers.Layer] = []

    # -- Keras hooks -------------------------------------------------------------------
    def on_train_begin(self, logs=None) -> None:
        self._probe_layers = [
            layer for layer in self.model.layers if not isinstance(layer, keras.layers.InputLayer)
        ]
        inputs = self.model.inputs
        self._probe_model = keras.Model(
            inputs[0] if len(inputs) == 1 else inputs,
            [layer.output for layer in self._probe_layers],
        )
        self._process.cpu_percent(None)  # first call primes the counter

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch_start = time.perf_counter()
        self._batch_losses: list[float] = []
        self._running_total = 0.0
        self._samples_seen = 0

    def on_train_batch_end(self, batch, logs=None) -> None:
        # Keras reports the epoch's running mean loss, weighted by batch size; undo the
        # running mean to recover this batch's own loss.
        mean = float((logs or {}).get("loss", math.nan))
        size = min(self.batch_size, self.train_samples - self._samples_seen)
        size = max(size, 1)
        seen = self._samples_seen + size
        total = mean * seen
        self._batch_losses.append((total - self._running_total) / size)
        self._running_total, self._samples_seen = total, seen
        if not math.isfinite(mean) and self.nan_detected_at is None:
            self.nan_detected_at = (len(self.records), int(batch))
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None) -> None:
        logs = logs or {}
        duration = time.perf_counter() - self._epoch_start
        losses = _stats(np.array(self._batch_losses))
        record = {
            "epoch": int(epoch),
            "duration_seconds": duration,
            "loss": {
                "train_mean": losses["mean"],
                "train_std": losses["std"],
                "train_min": losses["min"],
                "train_max": losses["max"],
                "train_epoch": finite_or_none(logs.get("loss", math.nan)),
                "val": {
                    "val_loss": finite_or_none(logs.get("val_loss", math.nan)),
                    "val_acc": finite_or_none(logs.get("val_accuracy", math.nan)),
                },
            },
            "accuracy": {"train": finite_or_none(logs.get("accuracy", math.nan))},
            "throughput": {
                "samples_processed": self._samples_seen,
                "samples_per_second": self._samples_seen / duration if duration > 0 else None,
            },
            "memory": {"process_rss_mb": self._process.memory_info().rss / 2**20},
            "system": {"cpu_percent": self._process.cpu_percent(None)},
            "layer_health": {"layers": self._layer_health()},
        }
        self.records.append(record)
        if self.on_epoch is not None:
            self.on_epoch(record)

    # -- per-layer probe ---------------------------------------------------------------
    def _layer_health(self) -> dict[str, dict[str, Any]]:
        gradients = self._gradient_norms()
        activations = self._probe_model(self.probe_x, training=False)
        if not isinstance(activations, (list, tuple)):
            activations = [activations]
        layers = {}
        for layer, output in zip(self._probe_layers, activations, strict=True):
            entry: dict[str, Any] = {"type": type(layer).__name__}
            entry.update(self._weight_stats(layer))
            entry["gradient_norm"] = gradients.get(layer.name)
            entry.update(self._activation_stats(np.asarray(output)))
            layers[layer.name] = entry
        return layers

    def _gradient_norms(self) -> dict[str, float | None]:
        owners = [(layer, layer.trainable_weights) for layer in self._probe_layers]
        variables = [v for _, weights in owners for v in weights]
        if not variables:
            return {}
        with tf.GradientTape() as tape:
            predictions = self.model(self.probe_x, training=False)
            loss = keras.losses.sparse_categorical_crossentropy(self.probe_y, predictions)
            loss = tf.reduce_mean(loss)
        grads = tape.gradient(loss, variables)
        norms: dict[str, float | None] = {}
        start = 0
        for layer, weights in owners:
            own = [g for g in grads[start : start + len(weights)] if g is not None]
            start += len(weights)
            if weights:
                squared = sum(float(tf.reduce_sum(tf.square(g))) for g in own)
                norms[layer.name] = finite_or_none(math.sqrt(squared)) if own else 0.0
        return norms

    @staticmethod
    def _weight_stats(layer: keras.layers.Layer) -> dict[str, Any]:
        weights = [np.asarray(w).ravel() for w in layer.trainable_weights]
        if not weights:
            return {"num_parameters": 0, "weight_mean": None, "weight_std": None,
                    "weight_sparsity": None}
        flat = np.concatenate(weights)
        return {
            "num_parameters": int(flat.size),
            "weight_mean": finite_or_none(flat.mean()),
            "weight_std": finite_or_none(flat.std()),
            "weight_sparsity": float(np.mean(np.abs(flat) < SPARSITY_THRESHOLD)),
        }

    @staticmethod
    def _activation_stats(output: np.ndarray) -> dict[str, Any]:
        values = output.astype(np.float64).reshape(len(output), -1)
        with np.errstate(over="ignore", invalid="ignore"):
            return {
                "activation_mean": finite_or_none(values.mean()),
                "activation_std": finite_or_none(values.std()),
                "activation_zero_fraction": float(np.mean(values == 0.0)),
                # Mean over units of each unit's variance across the probe samples: near
                # zero means the layer answers every input the same way.
                "activation_variance_across_samples": finite_or_none(
                    values.var(axis=0).mean()),
            }
