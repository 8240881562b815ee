"""TrainingObserver: a Keras callback that records what happens inside a model each epoch.

One record per epoch, shaped like seed 004's section 4.1 epoch payload (`records.epoch`): the
loss spread over batches, validation figures, learning rate, speed, memory, CPU, a profiled step
(forward, backward, per layer), energy and CO2, and per-layer health on a fixed probe batch
(gradients, weights, activations, dead units, correlation with the previous layer). Health
metrics and diagnostics read these records later; each record is a `records.EpochRecord`, whose
figures are finite numbers or None (non-finite -> None). The observer times its own work per
epoch (`observer_overhead_seconds`) so its cost is visible.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import keras
import numpy as np
import psutil
import tensorflow as tf

from healthopt.records import EpochRecord, LayerHealth, finite_or_none
from healthopt.records.epoch import (
    AccuracyBlock,
    DeviceBlock,
    LayerHealthBlock,
    LossBlock,
    MemoryBlock,
    OptimizerBlock,
    SystemBlock,
    ThroughputBlock,
    ValidationLoss,
)
from healthopt.training.energy import EnergyMeter
from healthopt.training.profiler import StepProfiler

# Below this magnitude a weight counts as zero when measuring sparsity.
SPARSITY_THRESHOLD = 1e-6
# A unit whose output varies less than this over the probe batch never responds to input.
DEAD_UNIT_STD = 1e-7
# Bins of each layer's activation histogram (layer monitoring's entropy and distributions).
HISTOGRAM_BINS = 32


# A layer's measured figures before they become a `LayerHealth` (each helper fills some keys).
Figures = dict[str, float | int | bool | None]
# The probe batch's gradient per trainable variable, keyed by the variable's path.
Gradients = Mapping[str, Any]


@runtime_checkable
class ProbeListener(Protocol):
    """Anything that wants each epoch's record together with the probe batch's gradients
    (a TensorBoard writer); the trainer hands such callbacks to the observer."""

    def on_probe(self, record: EpochRecord, gradients: Gradients) -> None: ...


def _loss_block(batch_losses: list[float], logs: Mapping[str, Any]) -> LossBlock:
    """The batch-loss spread and the epoch's validation figures; NaN reads as None."""
    values = np.asarray(batch_losses, dtype=np.float64)
    validation = ValidationLoss(val_loss=logs.get("val_loss"), val_acc=logs.get("val_accuracy"))
    if values.size == 0:
        return LossBlock(train_epoch=logs.get("loss"), val=validation)
    with np.errstate(over="ignore", invalid="ignore"):  # diverged losses become None
        return LossBlock(
            train_mean=float(values.mean()),
            train_std=float(values.std()),
            train_min=float(values.min()),
            train_max=float(values.max()),
            train_epoch=logs.get("loss"),
            val=validation,
        )


class TrainingObserver(keras.callbacks.Callback):
    """Collects per-epoch records; `records` is the list of `EpochRecord`s.

    `probe_x`/`probe_y` is a fixed batch, the same every epoch, so per-layer figures are
    comparable across epochs. `on_epoch` (optional) receives each record as it is made,
    which is how progress leaves a worker process. `on_probe` (optional) receives each record
    with the gradients it was measured from; they are computed for the record anyway, so a
    listener costs only what it does with them.
    """

    def __init__(
        self,
        probe_x: np.ndarray,
        probe_y: np.ndarray,
        train_samples: int,
        batch_size: int,
        on_epoch: Callable[[EpochRecord], None] | None = None,
        on_probe: Callable[[EpochRecord, Gradients], None] | None = None,
    ) -> None:
        super().__init__()
        self.probe_x = probe_x
        self.probe_y = probe_y
        self.train_samples = train_samples
        self.batch_size = batch_size
        self.on_epoch = on_epoch
        self.on_probe = on_probe
        self.records: list[EpochRecord] = []
        self.nan_detected_at: tuple[int, int] | None = None
        self._process = psutil.Process()
        self._energy = EnergyMeter()
        self._probe_model: Callable[[Any], Any] | None = None
        self._probe_layers: list[keras.layers.Layer] = []
        # Each layer's trainable weights at the previous epoch's end, for `weight_change`.
        self._previous_weights: dict[str, np.ndarray] = {}
        self._profiler: StepProfiler | None = None
        self._gpu_available = False

    # -- Keras hooks -------------------------------------------------------------------
    def on_train_begin(self, logs=None) -> None:
        self._probe_layers = [
            layer for layer in self.model.layers if not isinstance(layer, keras.layers.InputLayer)
        ]
        inputs = self.model.inputs
        probe_model = keras.Model(
            inputs[0] if len(inputs) == 1 else inputs,
            [layer.output for layer in self._probe_layers],
        )
        self._probe_model = tf.function(lambda x: probe_model(x, training=False))
        self._gpu_available = bool(tf.config.list_physical_devices("GPU"))
        self._profiler = StepProfiler(
            self.model,
            self._probe_layers,
            self.probe_x,
            self.probe_y,
            self.batch_size,
            "gpu" if self._gpu_available else "cpu",
        )
        self._previous_weights = {layer.name: _flat_weights(layer) for layer in self._probe_layers}
        self._process.cpu_percent(None)  # first call primes the counter

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._epoch_start = time.perf_counter()
        self._energy.start()
        self._batch_losses: list[float] = []
        self._running_total = 0.0
        self._samples_seen = 0
        self._step_seconds = 0.0

    def on_train_batch_begin(self, batch, logs=None) -> None:
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None) -> None:
        self._step_seconds += time.perf_counter() - self._batch_start
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
        profiler = self._require_profiler()
        logs = logs or {}
        duration = time.perf_counter() - self._epoch_start
        device = "gpu" if self._gpu_available else "cpu"
        energy = self._energy.stop(duration, gpu_in_use=self._gpu_available)
        work_start = time.perf_counter()
        steps = len(self._batch_losses)
        step_ms = 1000.0 * self._step_seconds / steps if steps else None
        layer_health, outputs, gradients = self._layer_health()
        record = EpochRecord(
            epoch=int(epoch),
            duration_seconds=duration,
            loss=_loss_block(self._batch_losses, logs),
            accuracy=AccuracyBlock(train=logs.get("accuracy")),
            optimizer=OptimizerBlock(
                name=type(self.model.optimizer).__name__.lower(),
                learning_rate=finite_or_none(self.model.optimizer.learning_rate),
                batch_size=self.batch_size,
            ),
            throughput=ThroughputBlock(
                samples_processed=self._samples_seen,
                samples_per_second=self._samples_seen / duration if duration > 0 else None,
            ),
            memory=MemoryBlock(process_rss_mb=self._process.memory_info().rss / 2**20),
            system=SystemBlock(
                cpu_percent=self._process.cpu_percent(None),
                cpu_count=len(os.sched_getaffinity(0)),
            ),
            device=DeviceBlock(gpu_available=self._gpu_available, training_device=device),
            profiler=profiler.profile(
                int(epoch), int(epoch) + 1 == self.params.get("epochs"), outputs, step_ms
            ),
            layer_health=LayerHealthBlock(layers=layer_health),
            carbon_emissions=energy,
        )
        overhead = time.perf_counter() - work_start
        record = record.model_copy(update={"observer_overhead_seconds": overhead})
        self.records.append(record)
        if self.on_probe is not None:
            self.on_probe(record, gradients)
        if self.on_epoch is not None:
            self.on_epoch(record)

    # -- per-layer probe ---------------------------------------------------------------
    def _require_profiler(self) -> StepProfiler:
        # The profiler and probe model are built in on_train_begin, once the model exists.
        if self._profiler is None:
            raise RuntimeError("TrainingObserver used before on_train_begin")
        return self._profiler

    def _layer_health(self) -> tuple[dict[str, LayerHealth], list[Any], Gradients]:
        gradients = self._require_profiler().gradients()
        if self._probe_model is None:
            raise RuntimeError("TrainingObserver used before on_train_begin")
        outputs = self._probe_model(self.probe_x)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        layers = {}
        previous: np.ndarray | None = None
        for layer, output in zip(self._probe_layers, outputs, strict=True):
            values = np.asarray(output)
            figures: Figures = {
                **self._weight_stats(layer),
                "weight_change": self._weight_change(layer),
                **self._gradient_stats(layer, gradients),
                **self._activation_stats(values),
            }
            if layer.trainable_weights and values.dtype.kind == "f":
                figures["correlation_with_previous"] = _correlation(previous, values)
                previous = values
            layers[layer.name] = LayerHealth.model_validate(
                {"type": type(layer).__name__, **figures, **_histogram(values)}
            )
        return layers, list(outputs), gradients

    def _weight_change(self, layer: keras.layers.Layer) -> float | None:
        """Mean |change| of the layer's weights since the last epoch, relative to their mean
        magnitude then, so layers of any scale compare (layer monitoring's resilience)."""
        current = _flat_weights(layer)
        previous = self._previous_weights.get(layer.name)
        self._previous_weights[layer.name] = current
        if previous is None or previous.size != current.size or current.size == 0:
            return None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            scale = float(np.mean(np.abs(previous)))
            change = float(np.mean(np.abs(current - previous)))
            return finite_or_none(change / scale) if scale > 0 else finite_or_none(change)

    @staticmethod
    def _gradient_stats(layer: keras.layers.Layer, gradients: dict[str, Any]) -> Figures:
        if not layer.trainable_weights:
            return {"gradient_norm": None, "gradient_finite": None}
        raw = [gradients.get(v.path) for v in layer.trainable_weights]
        # Embedding gradients arrive as IndexedSlices (only the rows looked up).
        own = [np.asarray(tf.convert_to_tensor(g), dtype=np.float64) for g in raw if g is not None]
        with np.errstate(over="ignore", invalid="ignore"):
            squared = float(sum(np.sum(np.square(g)) for g in own)) if own else 0.0
        finite = math.isfinite(squared)
        return {"gradient_norm": math.sqrt(squared) if finite else None, "gradient_finite": finite}

    @staticmethod
    def _weight_stats(layer: keras.layers.Layer) -> Figures:
        weights = [np.asarray(w).ravel() for w in layer.trainable_weights]
        if not weights:
            return {
                "num_parameters": 0,
                "weight_mean": None,
                "weight_std": None,
                "weight_sparsity": None,
            }
        flat = np.concatenate(weights)
        return {
            "num_parameters": int(flat.size),
            "weight_mean": finite_or_none(flat.mean()),
            "weight_std": finite_or_none(flat.std()),
            "weight_sparsity": float(np.mean(np.abs(flat) < SPARSITY_THRESHOLD)),
        }

    @staticmethod
    def _activation_stats(output: np.ndarray) -> Figures:
        if output.dtype.kind not in "fiu" or output.ndim < 2:
            return {}
        values = output.astype(np.float64).reshape(len(output), -1)
        # Units are the last axis (dense units, conv channels); a unit is dead when it gives
        # the same output for every sample and position of the probe batch.
        per_unit = output.astype(np.float64).reshape(-1, output.shape[-1])
        with np.errstate(over="ignore", invalid="ignore"):
            return {
                "activation_mean": finite_or_none(values.mean()),
                "activation_std": finite_or_none(values.std()),
                "activation_zero_fraction": float(np.mean(values == 0.0)),
                # Mean over units of each unit's variance across the probe samples: near
                # zero means the layer answers every input the same way.
                "activation_variance_across_samples": finite_or_none(values.var(axis=0).mean()),
                "activation_mean_square": finite_or_none(float(np.mean(np.square(values)))),
                "units": int(output.shape[-1]),
                "dead_unit_fraction": float(np.mean(per_unit.std(axis=0) < DEAD_UNIT_STD)),
            }


def _flat_weights(layer: keras.layers.Layer) -> np.ndarray:
    weights = [np.asarray(w, dtype=np.float64).ravel() for w in layer.trainable_weights]
    return np.concatenate(weights) if weights else np.zeros(0)


def _histogram(output: np.ndarray) -> dict[str, Any]:
    """The activations' histogram over their own range, and its Shannon entropy over
    ln(HISTOGRAM_BINS): 0 when every value is the same, 1 when the bins are evenly filled."""
    if output.dtype.kind not in "fiu" or output.ndim < 2 or output.size == 0:
        return {}
    values = output.reshape(-1)
    if values.dtype.kind != "f":
        values = values.astype(np.float32)
    low, high = float(values.min()), float(values.max())
    if not (math.isfinite(low) and math.isfinite(high)):
        values = values[np.isfinite(values)]
        if values.size == 0:
            return {}
        low, high = float(values.min()), float(values.max())
    if high <= low:  # one value: all mass in one bin
        counts = np.zeros(HISTOGRAM_BINS, dtype=np.int64)
        counts[0] = values.size
    else:
        # Equal-width bins by hand: np.histogram's general path took 13 ms an epoch on the
        # default CNN's probe batch, as much as all other activation figures; this is 2.5 ms
        # for the same counts (the top edge goes into the last bin, as np.histogram does).
        index = ((values - low) * (HISTOGRAM_BINS / (high - low))).astype(np.intp)
        np.minimum(index, HISTOGRAM_BINS - 1, out=index)
        counts = np.bincount(index, minlength=HISTOGRAM_BINS)
    shares = counts[counts > 0] / values.size
    entropy = float(-np.sum(shares * np.log(shares)) / math.log(HISTOGRAM_BINS))
    return {
        "activation_entropy": min(max(entropy, 0.0), 1.0) + 0.0,  # never -0.0
        "activation_histogram": {"low": low, "high": high, "counts": counts.tolist()},
    }


def _correlation(previous: np.ndarray | None, current: np.ndarray) -> float | None:
    """Pearson correlation of two layers' outputs when they have the same size per sample."""
    if previous is None or previous.size != current.size:
        return None
    a = previous.astype(np.float64).ravel()
    b = current.astype(np.float64).ravel()
    with np.errstate(over="ignore", invalid="ignore"):
        a, b = a - a.mean(), b - b.mean()
        denominator = math.sqrt(float(np.dot(a, a)) * float(np.dot(b, b)))
        if denominator == 0 or not math.isfinite(denominator):
            return None
        return finite_or_none(float(np.dot(a, b)) / denominator)
