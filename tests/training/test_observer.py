from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from healthopt.config import ModelConfig
from healthopt.data import load_dataset
from healthopt.models.builder import InputSpec, ModelBuilder
from healthopt.records import EpochRecord, read_epochs
from healthopt.training import trainer
from healthopt.training.observer import TrainingObserver

from ..builders import healthy_epoch

LAYER_FIELDS = {
    "type",
    "num_parameters",
    "weight_mean",
    "weight_std",
    "weight_sparsity",
    "gradient_norm",
    "gradient_finite",
    "activation_mean",
    "activation_std",
    "activation_zero_fraction",
    "activation_variance_across_samples",
    "activation_mean_square",
    "units",
    "dead_unit_fraction",
    "activation_entropy",
    "activation_histogram",
    "weight_change",
}


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits", seed=0)


def test_each_epoch_record_is_complete_and_json_ready(digits):
    trainer.set_seed(0)
    model = ModelBuilder(
        ModelConfig(num_layers_conv=1, filters_per_conv_layer=8),
        InputSpec(digits.input_shape, 10, "image"),
    ).build()
    events = []
    outcome = trainer.fit(model, digits, epochs=2, batch_size=64, on_epoch=events.append)
    assert outcome.epochs_run == 2 and not outcome.diverged and events == outcome.records
    written = [record.to_json() for record in outcome.records]  # what observer.json holds
    json.dumps(written, allow_nan=False)
    assert read_epochs(json.loads(json.dumps(written))) == outcome.records
    first = outcome.records[0]
    loss = first.loss
    assert loss.train_min <= loss.train_mean <= loss.train_max and loss.train_std > 0
    # The batch losses recovered from Keras' running mean average back to its epoch loss.
    assert loss.train_mean == pytest.approx(loss.train_epoch, rel=0.05)
    assert loss.val.val_loss == pytest.approx(outcome.history["val_loss"][0])
    assert 0.0 <= loss.val.val_acc <= 1.0
    assert first.throughput.samples_processed == len(digits.train)
    assert first.throughput.samples_per_second > 0
    assert first.memory.process_rss_mb > 50 and first.duration_seconds > 0
    assert first.system.cpu_percent is not None and first.system.cpu_count >= 1
    layers = first.layers
    assert set(layers) == {layer.name for layer in model.layers[1:]}
    for name, entry in layers.items():
        weighted = {"correlation_with_previous"} if entry.num_parameters else set()
        assert entry.model_fields_set == {"type"} | LAYER_FIELDS | weighted, name
    # Everything the observer writes is a field the records know by name.
    assert first.unknown_keys() == ()
    assert all(entry.unknown_keys() == () for entry in layers.values())
    conv = layers["conv_0"]
    assert conv.num_parameters == 8 * 9 + 8 and conv.gradient_norm > 0
    assert conv.gradient_finite is True and conv.units == 8
    assert conv.dead_unit_fraction < 0.5
    assert layers["conv_0_act"].gradient_norm is None  # no weights, no gradient
    assert first.optimizer.name == "adam" and first.optimizer.batch_size == 64
    assert first.optimizer.learning_rate == pytest.approx(1e-3)
    assert (first.device.gpu_available, first.device.training_device) == (False, "cpu")
    assert first.observer_overhead_seconds > 0


def test_observer_json_written_before_typed_records_still_loads():
    """observer.json from before the records: plain dicts, some layers without every figure,
    and extra profiler keys; it loads unchanged."""
    old = [healthy_epoch(k) for k in range(3)]
    old[0]["profiler"].update(device="cpu", probe_batch_size=64, step_ms=12.5)
    old[0]["layer_health"]["layers"]["flatten"] = {"type": "Flatten", "num_parameters": 0}
    records = read_epochs(json.loads(json.dumps(old)))
    assert [r.epoch for r in records] == [0, 1, 2]
    assert records[2].loss.val.val_loss == pytest.approx(old[2]["loss"]["val"]["val_loss"])
    assert records[0].layers["conv_1"].correlation_with_previous == 0.35
    assert records[0].layers["flatten"].gradient_norm is None
    profiled = records[0].profiler
    assert (profiled.device, profiled.probe_batch_size, profiled.step_ms) == ("cpu", 64, 12.5)
    assert records[0].unknown_keys() == ()
    assert isinstance(records[0], EpochRecord)


def test_profiler_splits_the_step_and_times_every_layer(digits):
    trainer.set_seed(0)
    model = ModelBuilder(
        ModelConfig(num_layers_conv=2, filters_per_conv_layer=8),
        InputSpec(digits.input_shape, 10, "image"),
    ).build()
    outcome = trainer.fit(model, digits, epochs=1, batch_size=32)
    profiler = outcome.records[0].profiler
    assert profiler.forward_ms > 0 and profiler.backward_ms > 0
    assert profiler.total_cpu_time_ms == pytest.approx(profiler.forward_ms + profiler.backward_ms)
    shares = profiler.operation_categories
    assert sum(part.pct_cpu for part in shares.values()) == pytest.approx(100.0)
    timed = [layer for layer in profiler.per_layer if layer.pct_total is not None]
    assert {layer.name for layer in timed} >= {"conv_0", "conv_1", "predictions"}
    assert sum(layer.pct_total for layer in timed) == pytest.approx(100.0)
    assert profiler.device == "cpu"
    assert profiler.probe_batch_size == 32
    carbon = outcome.records[0].carbon_emissions
    assert carbon.epoch_energy_kwh > 0 and carbon.epoch_co2_kg > 0
    assert carbon.method.startswith(("estimate", "measured"))
    assert carbon.cpu_seconds is not None and carbon.cpu_seconds >= 0


def test_dead_relu_layer_shows_all_zero_activations():
    """A Dense layer whose bias pushes every unit negative outputs only zeros after ReLU."""
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(
        6,
        activation="relu",
        name="dead",
        kernel_initializer="zeros",
        bias_initializer=keras.initializers.Constant(-1.0),
    )(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="out")(hidden))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, y = np.random.rand(32, 4).astype("float32"), np.zeros(32, dtype=int)
    observer = TrainingObserver(x, y, train_samples=32, batch_size=16)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[observer])
    dead = observer.records[0].layers["dead"]
    assert dead.activation_zero_fraction == 1.0
    assert dead.activation_variance_across_samples == 0.0
    assert dead.gradient_norm == 0.0
    assert dead.dead_unit_fraction == 1.0
    # Layer monitoring's figures: one value -> one bin, zero entropy; no gradient -> no change.
    assert dead.activation_entropy == 0.0
    assert (
        dead.activation_histogram.counts[0] == 32 * 6
        and sum(dead.activation_histogram.counts) == 32 * 6
    )
    assert dead.weight_change == 0.0
    # Fed only zeros, the output layer cannot respond to the input either.
    assert observer.records[0].layers["out"].dead_unit_fraction == 1.0


def test_nan_loss_stops_training_and_is_reported(digits):
    trainer.set_seed(1)
    model = ModelBuilder(
        ModelConfig(optimizer="sgd", learning_rate=1e6, activation="gelu"),
        InputSpec(digits.input_shape, 10, "image"),
    ).build()
    outcome = trainer.fit(model, digits, epochs=3, batch_size=32)
    assert outcome.diverged and outcome.epochs_run <= 1
    json.dumps([r.to_json() for r in outcome.records], allow_nan=False)  # NaNs became None


def test_histogram_entropy_and_weight_change_are_what_they_say():
    """The entropy is the histogram's over ln(32); the weight change is mean |dw| / mean |w|
    since the previous epoch, measured against the weights Keras holds before and after."""
    keras.utils.set_random_seed(3)
    inputs = keras.Input((5,))
    outputs = keras.layers.Dense(3, activation="softmax", name="out")(
        keras.layers.Dense(8, activation="tanh", name="hidden")(inputs)
    )
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(64, 5)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    observer = TrainingObserver(x[:32], y[:32], train_samples=64, batch_size=64)

    def hidden_weights() -> np.ndarray:
        return np.concatenate([np.ravel(w) for w in model.get_layer("hidden").get_weights()])

    seen = [hidden_weights()]
    keep = keras.callbacks.LambdaCallback(on_epoch_end=lambda *_: seen.append(hidden_weights()))
    model.fit(x, y, epochs=2, batch_size=64, verbose=0, callbacks=[keep, observer])
    hidden = observer.records[0].layers["hidden"]
    counts = np.asarray(hidden.activation_histogram.counts, dtype=float)
    assert counts.size == 32 and counts.sum() == 32 * 8
    shares = counts[counts > 0] / counts.sum()
    assert hidden.activation_entropy == pytest.approx(-(shares * np.log(shares)).sum() / np.log(32))
    assert 0.5 < hidden.activation_entropy < 1.0  # tanh of normal inputs spreads over bins
    assert -1.0 <= hidden.activation_histogram.low < hidden.activation_histogram.high <= 1.0
    for epoch in (0, 1):
        before, after = seen[epoch], seen[epoch + 1]
        expected = np.mean(np.abs(after - before)) / np.mean(np.abs(before))
        change = observer.records[epoch].layers["hidden"].weight_change
        assert expected > 0 and change == pytest.approx(expected, rel=1e-6)


def test_the_activation_histogram_counts_what_numpys_histogram_counts():
    """The observer bins by hand for speed; the counts are numpy's for the same range."""
    from healthopt.training.observer import HISTOGRAM_BINS, _histogram

    rng = np.random.default_rng(5)
    for values in (
        rng.normal(size=(64, 7, 7, 16)).astype("float32"),
        np.maximum(rng.normal(size=(32, 50)), 0.0),  # ReLU-like: a big zero bin
        rng.integers(0, 9, size=(16, 12)),
    ):
        figures = _histogram(values)
        expected, _ = np.histogram(values, bins=HISTOGRAM_BINS, range=(values.min(), values.max()))
        assert figures["activation_histogram"]["counts"] == expected.tolist()
    broken = rng.normal(size=(8, 10)).astype("float32")
    broken[0, :3] = [np.nan, np.inf, -np.inf]
    figures = _histogram(broken)
    assert sum(figures["activation_histogram"]["counts"]) == 77  # the finite values only
    assert _histogram(np.full((4, 4), np.nan, dtype="float32")) == {}
