"""analysis.layers: Keras models become neutral records, and weights go back into clones."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from healthopt.analysis import layers


@pytest.fixture(scope="module")
def cnn() -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
            keras.layers.MaxPooling2D(name="pool"),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(6, activation="relu", name="hidden"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def text_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((7,), dtype="int32"),
            keras.layers.Embedding(30, 5, name="embedding"),
            keras.layers.Bidirectional(
                keras.layers.LSTM(4, return_sequences=True, name="lstm"), name="bidirectional"
            ),
            keras.layers.GRU(3, name="gru"),
            keras.layers.Dense(2, name="head"),  # logits: predict_proba must normalise them
        ]
    )


def test_weight_records_match_the_layers_and_their_shapes(cnn):
    records = layers.weight_records(cnn)
    assert [(r.name, r.kind, r.role) for r in records] == [
        ("conv", "conv2d", "kernel"),
        ("hidden", "dense", "kernel"),
        ("out", "dense", "kernel"),
    ]
    conv = records[0]
    assert conv.weights.shape == (3, 3, 1, 4) and conv.bias.shape == (4,)
    assert len(conv.matrices()) == 9 and conv.matrices()[0].shape == (1, 4)
    np.testing.assert_array_equal(conv.weights, cnn.layers[0].kernel.numpy())
    assert sum(r.num_parameters for r in records) == cnn.count_params()


def test_recurrent_layers_give_kernel_and_recurrent_kernel_per_direction(text_model):
    names = [(r.name, r.kind, r.weights.shape) for r in layers.weight_records(text_model)]
    assert names == [
        ("embedding", "embedding", (30, 5)),
        ("bidirectional/forward_lstm", "lstm", (5, 16)),
        ("bidirectional/forward_lstm/recurrent_kernel", "lstm", (4, 16)),
        ("bidirectional/backward_lstm", "lstm", (5, 16)),
        ("bidirectional/backward_lstm/recurrent_kernel", "lstm", (4, 16)),
        ("gru", "gru", (8, 9)),
        ("gru/recurrent_kernel", "gru", (3, 9)),
        ("head", "dense", (3, 2)),
    ]


def test_layer_outputs_skip_pass_through_layers_and_keep_every_sample(cnn):
    x = np.random.default_rng(0).random((300, 8, 8, 1), dtype=np.float32)
    outputs = layers.layer_outputs(cnn, x, batch_size=128)
    assert [(o.name, o.values.shape) for o in outputs] == [
        ("conv", (300, 6, 6, 4)),
        ("pool", (300, 3, 3, 4)),
        ("hidden", (300, 6)),
        ("out", (300, 3)),
    ]
    np.testing.assert_allclose(outputs[-1].values, cnn.predict(x, verbose=0), atol=1e-6)
    spread = layers.layer_outputs(cnn, x[:5], max_layers=2)
    assert [o.name for o in spread] == ["conv", "out"]


def test_predict_proba_normalises_logits(text_model):
    x = np.random.default_rng(1).integers(0, 30, (20, 7))
    probs = layers.predict_proba(text_model, x)
    assert probs.shape == (20, 2) and np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    logits = text_model.predict(x, verbose=0)
    np.testing.assert_array_equal(probs.argmax(axis=1), logits.argmax(axis=1))


def test_with_replaced_weights_changes_only_the_clone(cnn):
    original = cnn.layers[4].kernel.numpy().copy()
    clone = layers.with_replaced_weights(cnn, {("hidden", "kernel"): np.zeros_like(original)})
    assert np.all(clone.get_layer("hidden").kernel.numpy() == 0)
    np.testing.assert_array_equal(cnn.layers[4].kernel.numpy(), original)
    np.testing.assert_array_equal(clone.get_layer("conv").kernel.numpy(), cnn.layers[0].kernel)
    assert clone.compiled
    with pytest.raises(KeyError, match="no such weight"):
        layers.with_replaced_weights(cnn, {("nope", "kernel"): original})
    with pytest.raises(ValueError, match="shape"):
        layers.with_replaced_weights(cnn, {("hidden", "kernel"): original[:2]})


def test_load_model_says_what_is_wrong(tmp_path, cnn):
    with pytest.raises(layers.ModelLoadError, match="no model file"):
        layers.load_model(tmp_path / "missing.keras")
    bad = tmp_path / "bad.keras"
    bad.write_text("not a zip")
    with pytest.raises(layers.ModelLoadError, match="not a .keras archive"):
        layers.load_model(bad)
    text = tmp_path / "model.txt"
    text.write_text("x")
    with pytest.raises(layers.ModelLoadError, match="expected a .keras"):
        layers.load_model(text)
    cnn.save(tmp_path / "ok.keras")
    loaded = layers.load_model(tmp_path / "ok.keras")
    np.testing.assert_array_equal(loaded.get_weights()[0], cnn.get_weights()[0])


def test_layer_outputs_refuses_zero_samples():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="d")])
    with pytest.raises(ValueError, match="at least one sample"):
        layers.layer_outputs(model, np.zeros((0, 4), dtype="float32"))
