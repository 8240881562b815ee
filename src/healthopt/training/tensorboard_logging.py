"""TensorBoard event files written while a trial trains, with TensorBoard's own writers.

A trial's `log_dir` (its `tensorboard/` folder) gets three kinds of runs:

- `train/` and `validation/`: Keras' own `TensorBoard` callback, the per-epoch scalars
  (`epoch_loss`, `epoch_accuracy`, `epoch_learning_rate`);
- `health/`: per epoch, a histogram of each trainable variable (`<layer>/<weight>/histogram`)
  and of its gradient on the observer's probe batch (`<layer>/<weight>/gradient`), and each
  layer's `gradient_norm` and `dead_unit_fraction` (`<layer>/<figure>`), taken from the
  observer's record, so nothing is computed twice. Keras' callback could draw the weight
  histograms itself (`histogram_freq=1`), but at about 65 ms an epoch on digits' default model
  against 5 ms here, a tenth of the epoch's training time, which issue 25's lean trials forbid;
- the folder itself: the HParams plugin's session summary, so TensorBoard's HParams tab lists the
  trial with its parameters and, read from its `train/` and `validation/` runs, its metrics.

No experiment-level `hparams_config` is written: TensorBoard infers the experiment from every
trial's session summary (the union of their parameters, which differ between trials of a
conditional search space) and the metrics from the scalar tags under each trial's folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from tensorboard.compat.proto import summary_pb2
from tensorboard.plugins.histogram.summary_v2 import histogram_pb
from tensorboard.plugins.hparams import api as hparams_api
from tensorboard.plugins.scalar.summary_v2 import scalar_pb

from healthopt.records import EpochRecord
from healthopt.training.observer import Gradients

HEALTH_RUN = "health"
# The observer's per-layer figures written as scalars: cheap, and the two read most often.
HEALTH_FIGURES = ("gradient_norm", "dead_unit_fraction")

HParamValue = int | float | str | bool | None


def trial_callbacks(
    log_dir: Path, hparams: Mapping[str, HParamValue], trial_id: str
) -> list[keras.callbacks.Callback]:
    """The callbacks that make a trial's TensorBoard runs under `log_dir`; pass them to
    `trainer.fit(..., callbacks=...)`. `hparams` are the trial's parameters (None values are
    left out: the HParams plugin has no null), `trial_id` names the trial in the HParams tab."""
    log_dir = Path(log_dir)
    return [
        keras.callbacks.TensorBoard(
            str(log_dir),
            histogram_freq=0,  # the weight histograms are ProbeSummaries', at a tenth the cost
            write_graph=False,
            profile_batch=0,
            update_freq="epoch",
        ),
        ProbeSummaries(log_dir / HEALTH_RUN),
        HParamsSummary(log_dir, hparams, trial_id),
    ]


class ProbeSummaries(keras.callbacks.Callback):
    """Writes each weight's histogram, the observer's probe-batch gradients as histograms and
    its per-layer health figures as scalars, one step per epoch, into the `health` run (a
    `ProbeListener`).

    The summaries are built with TensorBoard's protobuf builders (`histogram_pb`, `scalar_pb`,
    NumPy) and written as one event per epoch: eager `tf.summary.histogram` costs about 6 ms a
    variable and a traced one a second of tracing per trial, against 4 ms an epoch in all here
    (digits' default model). A gradient with a non-finite value gets no histogram (its
    `gradient_norm` is missing too).
    """

    def __init__(self, run_dir: Path) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self._writer: Any = None

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        self._writer = tf.summary.create_file_writer(str(self.run_dir))

    def on_probe(self, record: EpochRecord, gradients: Gradients) -> None:
        if self._writer is None:
            raise RuntimeError("ProbeSummaries got gradients before training began")
        summary = summary_pb2.Summary()
        for variable in self.model.trainable_weights if self.model is not None else ():
            weights = np.asarray(variable)
            if np.all(np.isfinite(weights)):
                summary.value.extend(histogram_pb(f"{variable.path}/histogram", weights).value)
        for path, gradient in gradients.items():
            if gradient is None:
                continue
            # Embedding gradients arrive as IndexedSlices; the histogram wants their values.
            values = np.asarray(tf.convert_to_tensor(gradient))
            if np.all(np.isfinite(values)):
                summary.value.extend(histogram_pb(f"{path}/gradient", values).value)
        for layer, health in record.layers.items():
            for figure in HEALTH_FIGURES:
                value = getattr(health, figure)
                if value is not None:
                    summary.value.extend(scalar_pb(f"{layer}/{figure}", value).value)
        with self._writer.as_default(step=int(record.epoch or 0)):
            tf.summary.experimental.write_raw_pb(summary.SerializeToString())
        # Flushed each epoch so a TensorBoard open during training sees the epoch at once.
        self._writer.flush()

    def on_train_end(self, logs: Mapping[str, Any] | None = None) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class HParamsSummary(keras.callbacks.Callback):
    """Writes the trial's HParams session summary into `log_dir` once, when training begins.

    The plugin's own `KerasCallback` would do the same but keeps its writer open until garbage
    collection; this one closes it at once, so the summary is on disk before the first epoch.
    """

    def __init__(self, log_dir: Path, hparams: Mapping[str, HParamValue], trial_id: str) -> None:
        super().__init__()
        if not trial_id:
            raise ValueError("trial_id must be a non-empty string")
        self.log_dir = Path(log_dir)
        self.hparams = _session_hparams(hparams)
        self.trial_id = trial_id

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        writer = tf.summary.create_file_writer(str(self.log_dir))
        try:
            with writer.as_default():
                hparams_api.hparams(self.hparams, trial_id=self.trial_id)
        finally:
            writer.close()


def _session_hparams(hparams: Mapping[str, HParamValue]) -> dict[str, int | float | str | bool]:
    """The parameters the plugin can hold: None values dropped, anything else not a plain
    bool, int, float or str refused by name."""
    session: dict[str, int | float | str | bool] = {}
    for name, value in hparams.items():
        if value is None:
            continue
        if not isinstance(name, str) or not isinstance(value, bool | int | float | str):
            raise TypeError(
                f"hparam {name!r} is {type(value).__name__} {value!r}; "
                "TensorBoard's HParams take bool, int, float or str"
            )
        session[name] = value
    # hparams_pb checks the rest (e.g. no two names alike) before training starts.
    hparams_api.hparams_pb(session)
    return session
