"""distribution_scope on a machine without GPUs is a no-op that still reports what was asked
for; the mirrored branch is checked in a subprocess with two virtual CPU devices standing in
for GPUs (virtual devices must be set before TensorFlow starts, so not in this process)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from healthopt.training.distribute import Placement, distribution_scope


def _train_tiny_model() -> tuple[keras.Model, keras.callbacks.History]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.integers(0, 2, size=32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model, model.fit(x, y, epochs=1, batch_size=8, verbose=0)


@pytest.mark.parametrize("requested", [1, 4])
def test_without_gpus_the_scope_is_a_no_op_and_training_works(requested: int):
    assert tf.config.list_logical_devices("GPU") == []  # this test is about a CPU machine
    with distribution_scope(requested) as placement:
        assert placement == Placement(requested=requested, visible=0, replicas=0)
        assert not tf.distribute.has_strategy()
        model, history = _train_tiny_model()
    assert len(history.history["loss"]) == 1 and np.isfinite(history.history["loss"][0])
    assert model.count_params() == 10


def test_placement_to_dict():
    assert Placement(requested=4, visible=2, replicas=2).to_dict() == {
        "requested": 4,
        "visible": 2,
        "replicas": 2,
    }


MIRRORED = textwrap.dedent(
    """
    import json
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 3)
    cpus = tf.config.list_logical_devices("CPU")
    real = tf.config.list_logical_devices
    # Three devices are 'visible GPUs' here; two are asked for.
    tf.config.list_logical_devices = lambda kind=None: cpus if kind == "GPU" else real(kind)

    import keras
    from healthopt.training.distribute import distribution_scope

    with distribution_scope(2) as placement:
        strategy = tf.distribute.get_strategy()
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    history = model.fit(x, np.zeros((16, 2), "float32"), epochs=1, batch_size=8, verbose=0)
    print(json.dumps({
        "placement": placement.to_dict(),
        "replicas_in_sync": strategy.num_replicas_in_sync,
        "strategy": type(strategy).__name__,
        "loss": history.history["loss"][0],
    }))
    """
)


def test_more_than_one_visible_device_mirrors_over_the_requested_number():
    completed = subprocess.run(
        [sys.executable, "-c", MIRRORED], capture_output=True, text=True, timeout=180
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["placement"] == {"requested": 2, "visible": 3, "replicas": 2}
    assert report["strategy"] == "MirroredStrategy" and report["replicas_in_sync"] == 2
    assert np.isfinite(report["loss"])
