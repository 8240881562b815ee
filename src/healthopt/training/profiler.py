"""StepProfiler: where one training step's time goes, measured on a fixed probe batch.

Forward and forward+backward run as compiled `tf.function`s, so their times are comparable
with the real (compiled) training step that Keras times per batch; "other" is the rest of
that step (optimizer update, data handling). Each layer's forward time is measured by calling
the layer on its recorded input, which tells which layer costs the most.
"""

from __future__ import annotations

import time
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from healthopt.records.epoch import OperationShare, ProfiledLayer, ProfilerBlock

# Each timing is the best of this many runs, to keep scheduler noise out of the figures.
REPEATS = 2
# Timing every layer is the costly part, so it runs on the first epoch, then every few.
PER_LAYER_EVERY = 5


def _best_ms(fn) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000.0


class StepProfiler:
    """`x`, `y` is the observer's probe batch; timings and gradients use its first
    `batch_size` samples, so they compare with the training step."""

    def __init__(
        self,
        model: keras.Model,
        layers: list[keras.layers.Layer],
        x: np.ndarray,
        y: np.ndarray,
        batch_size: int,
        device: str,
    ) -> None:
        self.model = model
        self.layers = layers
        self.probe_x = tf.convert_to_tensor(x)
        self.probe_y = tf.convert_to_tensor(y)
        self.size = max(1, min(batch_size, len(x)))
        self.x = self.probe_x[: self.size]
        self.y = self.probe_y[: self.size]
        self.device = device
        self._forward = tf.function(lambda x: model(x, training=False))
        self._forward_backward = tf.function(self._gradients)
        # Index of each layer's input among the recorded outputs (-1: the model input).
        position = {id(layer.output): i for i, layer in enumerate(layers)}
        self._sources: list[int | None] = []
        for layer in layers:
            source = layer.input
            if isinstance(source, (list, tuple)):
                self._sources.append(None)  # multi-input layers are not timed alone
            elif id(source) in position:
                self._sources.append(position[id(source)])
            else:
                self._sources.append(-1)

    def gradients(self) -> dict[str, Any]:
        """Gradient of the mean probe loss for each trainable variable, keyed by its path."""
        grads = self._forward_backward(self.x, self.y)
        return {v.path: g for v, g in zip(self.model.trainable_weights, grads, strict=True)}

    def _gradients(self, x, y):
        with tf.GradientTape() as tape:
            predictions = self.model(x, training=False)
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, predictions))
        return tape.gradient(loss, self.model.trainable_weights)

    def profile(
        self, epoch: int, last_epoch: bool, outputs: list[Any], step_ms: float | None
    ) -> ProfilerBlock:
        """One epoch's profiler block; `outputs` are the layers' outputs on the probe batch.

        `per_layer` is measured on the first and last epoch and every PER_LAYER_EVERY-th,
        and is an empty list on the others.
        """
        forward_ms = _best_ms(lambda: self._forward(self.x))
        total_ms = _best_ms(lambda: self._forward_backward(self.x, self.y))
        backward_ms = max(total_ms - forward_ms, 0.0)
        step = max(step_ms or 0.0, total_ms)
        timed = epoch % PER_LAYER_EVERY == 0 or last_epoch
        per_layer = self._per_layer(outputs) if timed else []
        return ProfilerBlock(
            total_cpu_time_ms=total_ms if self.device == "cpu" else None,
            total_cuda_time_ms=total_ms if self.device == "gpu" else 0.0,
            forward_ms=forward_ms,
            backward_ms=backward_ms,
            fwd_bwd_ratio=forward_ms / backward_ms if backward_ms > 0 else None,
            per_layer=per_layer,
            operation_categories={
                "forward_pass": OperationShare(pct_cpu=100.0 * forward_ms / step),
                "backward_pass": OperationShare(pct_cpu=100.0 * backward_ms / step),
                "other": OperationShare(pct_cpu=100.0 * max(step - total_ms, 0.0) / step),
            },
            device=self.device,
            probe_batch_size=self.size,
            step_ms=step_ms,
        )

    def _per_layer(self, outputs: list[Any]) -> list[ProfiledLayer]:
        timings: list[tuple[keras.layers.Layer, float | None]] = []
        for layer, source in zip(self.layers, self._sources, strict=True):
            if source is None:
                timings.append((layer, None))
                continue
            inputs = self.x if source == -1 else outputs[source][: self.size]
            try:
                ms = _best_ms(lambda fn=layer, arg=inputs: fn(arg, training=False))
                timings.append((layer, ms))
            except Exception:  # a layer that needs its mask or several inputs is not timed
                timings.append((layer, None))
        total = sum(ms for _, ms in timings if ms is not None)
        return [
            ProfiledLayer(
                name=layer.name,
                type=type(layer).__name__,
                forward_ms=ms,
                pct_total=100.0 * ms / total if ms is not None and total > 0 else None,
            )
            for layer, ms in timings
        ]
