"""HealthMonitor: healthopt's per-epoch health records for your own `model.fit`.

Add it to the callbacks of any Keras training; afterwards `monitor.records` holds one
`records.EpochRecord` per epoch (loss spread, validation figures, speed, memory, energy,
per-layer gradients, weights and activations on a fixed probe batch), exactly what a healthopt
trial records. Hand them to `healthopt.health.evaluate` for the six health components and the
diagnostics report, or `monitor.save(folder)` and run `healthopt diagnose folder`::

    monitor = HealthMonitor((x_train[:128], y_train[:128]), batch_size=64)
    model.fit(x_train, y_train, batch_size=64, epochs=5,
              validation_data=(x_val, y_val), callbacks=[monitor])
    monitor.save("runs/mine")            # observer.json + architecture.json
    monitor.write_monitoring("runs/mine")  # + monitoring/monitoring_report.html (seed 001)

The records come from healthopt's own `TrainingObserver`; this class only fills in what a
trial's trainer would have told it (batch size, sample count) from what Keras knows.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from healthopt.jsonio import write_json_atomic
from healthopt.training.observer import TrainingObserver

__all__ = ["HealthMonitor"]


class HealthMonitor(TrainingObserver):
    """A Keras callback that records healthopt's epoch records during a user's `model.fit`.

    `probe_data` is `(x, y)`, a fixed small batch (the first 128 training samples will do)
    on which each epoch's per-layer gradients and activations are measured, so epochs compare.
    `batch_size` and `train_samples` are the fit's batch size and training-set size; they set
    the throughput figures, the recorded batch size the batch-size checks read, and the size
    of the last (partial) batch when per-batch losses are recovered. When one is None it is
    taken from Keras' `params` at train begin: old Keras versions gave `batch_size` and
    `samples`; current ones (tf.keras since TF 2.2, Keras 3) give only the steps per epoch,
    from which one of the two gives the other. Give `batch_size` for a `model.fit(x, y)` on
    arrays; Keras cannot tell callbacks its default of 32.

    `records` holds one `EpochRecord` per epoch; a monitor belongs to one training run (a
    second fit appends to the same list). `nan_detected_at` is `(epoch, batch)` when the loss
    went NaN, which also stops the fit, as in a trial.
    """

    def __init__(
        self,
        probe_data: tuple[Any, Any],
        *,
        batch_size: int | None = None,
        train_samples: int | None = None,
    ) -> None:
        probe_x, probe_y = _probe(probe_data)
        for name, value in (("batch_size", batch_size), ("train_samples", train_samples)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"HealthMonitor {name} must be an int or None, got {value!r}")
            if value is not None and value < 1:
                raise ValueError(f"HealthMonitor {name} must be at least 1, got {value}")
        # The observer needs both numbers; 0 stands for "not known yet" until on_train_begin.
        super().__init__(probe_x, probe_y, train_samples=train_samples or 0, batch_size=0)
        self._given_batch_size = batch_size
        self._given_train_samples = train_samples

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.batch_size, self.train_samples = _fit_sizes(
            self._given_batch_size, self._given_train_samples, dict(self.params or {})
        )
        super().on_train_begin(logs)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the records where `healthopt diagnose` reads a trial: `path/observer.json`
        (the epoch records, as trials write them) and `path/architecture.json` (the model's
        architecture summary). Creates the folder; returns the observer.json path."""
        if not self.records:
            raise RuntimeError(
                "HealthMonitor has no epoch records to save: pass it in model.fit's callbacks "
                "and save after at least one epoch"
            )
        from healthopt.models.architecture import describe_model

        folder = Path(path)
        if folder.suffix == ".json":
            raise ValueError(
                f"HealthMonitor.save takes a folder (it writes observer.json and "
                f"architecture.json there), got the file name {folder}"
            )
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "observer.json"
        write_json_atomic(target, [record.to_json() for record in self.records])
        write_json_atomic(folder / "architecture.json", describe_model(self.model).to_json())
        return target

    def write_monitoring(
        self, path: str | os.PathLike[str], *, every: int | None = None, draw: bool = True
    ) -> Path:
        """Save the records (`save`) and write layer monitoring's files (seed 001) under
        `path/monitoring/`, as `healthopt monitor` does for a trial: each layer's behaviour
        class per monitored epoch (every `every` epochs; default every epoch up to 20),
        anomalies, images and `monitoring_report.html`. Returns the report's path."""
        from healthopt.monitoring.layout import MONITORING_DIR, REPORT_FILE
        from healthopt.monitoring.report import write_monitoring

        self.save(path)
        target = Path(path) / MONITORING_DIR
        write_monitoring(self.records, target, every=every, draw=draw, title=self.model.name)
        return target / REPORT_FILE


def _probe(probe_data: tuple[Any, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The probe batch as arrays, checked: two parts, same non-zero length."""
    if not isinstance(probe_data, (tuple, list)) or len(probe_data) != 2:
        raise TypeError(
            "HealthMonitor probe_data must be a tuple (x, y), e.g. (x_train[:128], "
            f"y_train[:128]); got {type(probe_data).__name__}"
        )
    x, y = (np.asarray(part) for part in probe_data)
    if x.ndim == 0 or y.ndim == 0 or len(x) == 0:
        raise ValueError("HealthMonitor probe_data must hold at least one sample")
    if len(x) != len(y):
        raise ValueError(
            f"HealthMonitor probe_data x has {len(x)} samples but y has {len(y)}; "
            "they must be the same samples"
        )
    return x, y


def _fit_sizes(
    batch_size: int | None, train_samples: int | None, params: dict[str, Any]
) -> tuple[int, int]:
    """(batch size, training samples) of this fit: the ones given, else Keras' params.

    Keras 3 gives callbacks only `steps` (per epoch); steps x batch size counts the last,
    partial batch as full, which shifts samples_per_second by under one batch per epoch.
    """
    batch = batch_size or _positive(params.get("batch_size"))
    samples = train_samples or _positive(params.get("samples"))
    steps = _positive(params.get("steps"))
    if batch is None and samples is not None and steps is not None:
        batch = math.ceil(samples / steps)
    if samples is None and batch is not None and steps is not None:
        samples = batch * steps
    if batch is None or samples is None:
        known = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items())) or "nothing"
        need = "batch_size" if batch is None else "train_samples"
        raise ValueError(
            f"HealthMonitor cannot tell this fit's {need}: Keras told callbacks {known}. "
            f"Pass HealthMonitor(probe_data, {need}=...) with the value model.fit uses."
        )
    return batch, samples


def _positive(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
