from __future__ import annotations

import keras
import numpy as np
import pytest

from healthopt.config import ModelConfig
from healthopt.data import Dataset, Split
from healthopt.models.builder import (
    FINAL_LR_FRACTION,
    STEP_FACTOR,
    InputSpec,
    ModelBuilder,
    make_learning_rate,
    make_optimizer,
    training_steps,
)
from healthopt.training import trainer

DIGITS = InputSpec(shape=(8, 8, 1), num_classes=10, modality="image")
TOKENS = InputSpec(shape=(12,), num_classes=3, modality="text", vocabulary_size=31)


def _layer_types(model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("global_pooling", [False, True])
def test_cnn_builds_and_predicts_probabilities(layers, global_pooling):
    config = ModelConfig(
        num_layers_conv=layers,
        use_global_pooling=global_pooling,
        batch_normalization=True,
        conv_dropout=0.1,
        num_layers_hidden=2,
    )
    model = ModelBuilder(config, DIGITS).build()
    types = _layer_types(model)
    assert types.count("Conv2D") == layers and types.count("BatchNormalization") == layers
    assert ("GlobalAveragePooling2D" in types) == global_pooling
    assert types.count("Dense") == 3  # two hidden layers and the output
    # 8x8 input pools at most twice (8 -> 4 -> 2) so 3 conv blocks still fit.
    assert types.count("MaxPooling2D") == min(layers, 2)
    probs = model.predict(np.random.rand(5, 8, 8, 1).astype("float32"), verbose=0)
    assert probs.shape == (5, 10) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert model.optimizer.__class__.__name__ == "Adam"
    assert model.loss == "sparse_categorical_crossentropy"


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_builds_for_token_sequences(bidirectional):
    config = ModelConfig(
        use_bidirectional=bidirectional,
        lstm_units=8,
        embedding_dim=16,
        num_layers_hidden=0,
        optimizer="rmsprop",
    )
    model = ModelBuilder(config, TOKENS).build()
    types = _layer_types(model)
    assert "Embedding" in types and "Conv2D" not in types
    assert ("Bidirectional" in types) == bidirectional
    tokens = np.random.default_rng(0).integers(0, 31, size=(4, 12)).astype("int32")
    assert model.predict(tokens, verbose=0).shape == (4, 3)
    assert model.optimizer.__class__.__name__ == "RMSprop"


def test_text_without_vocabulary_is_rejected():
    with pytest.raises(ValueError, match="vocabulary_size"):
        ModelBuilder(ModelConfig(), InputSpec((12,), 3, "text", vocabulary_size=0))


# -- optimizer, momentum and learning-rate schedules ------------------------------------
def test_sgd_gets_its_momentum():
    model = ModelBuilder(ModelConfig(optimizer="sgd", learning_rate=0.05, momentum=0.9), DIGITS)
    optimizer = model.build().optimizer
    assert isinstance(optimizer, keras.optimizers.SGD)
    assert optimizer.momentum == pytest.approx(0.9)
    assert float(optimizer.learning_rate) == pytest.approx(0.05)


def test_plain_sgd_keeps_no_momentum():
    optimizer = make_optimizer(ModelConfig(optimizer="sgd", learning_rate=0.05))
    assert optimizer.momentum == 0.0


STEPS = 200
# schedule -> (Keras class, rate at step 0, rate at the last step), for an initial rate of 0.1.
SCHEDULES = {
    "cosine": (keras.optimizers.schedules.CosineDecay, 0.1, 0.1 * FINAL_LR_FRACTION),
    "exponential": (keras.optimizers.schedules.ExponentialDecay, 0.1, 0.1 * FINAL_LR_FRACTION),
    "step": (keras.optimizers.schedules.PiecewiseConstantDecay, 0.1, 0.1 * STEP_FACTOR**2),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_each_schedule_spans_the_trials_steps(name):
    kind, first, last = SCHEDULES[name]
    schedule = make_learning_rate(
        ModelConfig(learning_rate=0.1, lr_schedule=name), total_steps=STEPS
    )
    assert isinstance(schedule, kind)
    assert float(schedule(0)) == pytest.approx(first)
    assert float(schedule(STEPS)) == pytest.approx(last, rel=1e-4)
    assert float(schedule(STEPS // 2)) < first  # it decays within the trial, not after it


def test_step_schedule_drops_tenfold_at_half_and_three_quarters():
    schedule = make_learning_rate(ModelConfig(learning_rate=0.1, lr_schedule="step"), 200)
    # The first 100 updates (steps 0..99) use 0.1, the next 50 use 0.01, the last 50 0.001.
    rates = [float(schedule(step)) for step in (99, 100, 149, 150)]
    assert rates == pytest.approx([0.1, 0.01, 0.01, 0.001])


@pytest.mark.parametrize("name", ["constant", "cosine", "step", "exponential"])
def test_without_total_steps_the_rate_is_constant(name):
    """No length of training, no schedule: a constant float whatever lr_schedule says."""
    assert make_learning_rate(ModelConfig(learning_rate=0.02, lr_schedule=name), None) == 0.02


def test_constant_schedule_stays_a_float():
    assert make_learning_rate(ModelConfig(learning_rate=0.02), total_steps=STEPS) == 0.02


def test_total_steps_must_be_positive():
    with pytest.raises(ValueError, match="total_steps"):
        make_learning_rate(ModelConfig(lr_schedule="cosine"), total_steps=0)


def test_training_steps_counts_the_partial_last_batch():
    assert training_steps(epochs=3, samples=100, batch_size=32) == 12  # 4 batches an epoch


def test_a_scheduled_model_trains_and_the_observer_records_each_epochs_rate(tmp_path):
    """A cosine-scheduled SGD model trains on tiny data; each epoch record holds the rate the
    schedule gives after that epoch's steps, as a float, and the saved model loads back."""
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 8, 8, 1)).astype("float32"), np.arange(64) % 10
    val = Split(x[48:], y[48:])
    train = Split(x[:48], y[:48])
    data = Dataset("tiny", "image", 10, 0, train=train, val=val, test=val, holdout=val)
    epochs, batch_size = 2, 16
    steps = training_steps(epochs, len(data.train), batch_size)  # 3 batches an epoch
    config = ModelConfig(
        num_layers_conv=1,
        filters_per_conv_layer=4,
        optimizer="sgd",
        learning_rate=0.05,
        momentum=0.9,
        lr_schedule="cosine",
        batch_size=batch_size,
    )
    trainer.set_seed(0)
    model = ModelBuilder(config, DIGITS, total_steps=steps).build()
    outcome = trainer.fit(model, data, epochs, batch_size)
    assert outcome.epochs_run == epochs and not outcome.diverged
    schedule = make_learning_rate(config, steps)
    recorded = [record.optimizer.learning_rate for record in outcome.records]
    assert all(type(rate) is float for rate in recorded)
    assert recorded == pytest.approx([float(schedule(3)), float(schedule(6))])
    assert recorded[0] > recorded[1] == pytest.approx(0.05 * FINAL_LR_FRACTION, rel=1e-4)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert float(loaded.optimizer.learning_rate) == pytest.approx(recorded[1])


# -- tabular: the MLP behind a Normalization fixed to the train split's statistics ----------
def _tabular_dataset(features: int = 4) -> Dataset:
    rng = np.random.default_rng(0)

    def split(n: int, shift: float) -> Split:
        x = rng.normal(loc=shift, scale=3.0, size=(n, features)).astype("float32")
        return Split(x, np.arange(n) % 3)

    # val and test are shifted far from train: their statistics must not reach the model.
    return Dataset(
        "npz:t.npz",
        "tabular",
        3,
        0,
        split(60, 5.0),
        split(20, -50.0),
        split(10, 90.0),
        split(10, 0),
    )


def test_input_spec_for_tabular_takes_the_train_statistics_only():
    data = _tabular_dataset()
    spec = InputSpec.for_dataset(data)
    assert spec.shape == (4,) and spec.num_classes == 3 and spec.modality == "tabular"
    assert np.allclose(spec.feature_mean, data.train.x.mean(axis=0), atol=1e-5)
    assert np.allclose(spec.feature_variance, data.train.x.var(axis=0), rtol=1e-5)
    assert spec.vocabulary_size == 0 and hash(spec)  # frozen and hashable


def test_input_spec_gives_a_constant_feature_unit_variance():
    data = _tabular_dataset()
    data.train.x[:, 1] = 1.0  # e.g. a one-hot category train never shows
    spec = InputSpec.for_dataset(data)
    assert spec.feature_variance is not None and spec.feature_variance[1] == 1.0


def test_input_spec_for_images_and_text_matches_the_old_construction(text_npz):
    from healthopt.data import load_dataset

    assert InputSpec.for_dataset(load_dataset("digits")) == DIGITS
    text = InputSpec.for_dataset(load_dataset(f"npz:{text_npz}"))
    assert text == InputSpec((12,), 3, "text", vocabulary_size=31)


@pytest.mark.parametrize("batch_normalization", [False, True])
def test_mlp_normalizes_raw_features_with_the_train_statistics(batch_normalization, tmp_path):
    data = _tabular_dataset()
    config = ModelConfig(
        num_layers_hidden=3,
        first_hidden_layer_nodes=32,
        batch_normalization=batch_normalization,
        hidden_dropout=0.1,
    )
    model = ModelBuilder(config, InputSpec.for_dataset(data)).build()
    types = _layer_types(model)
    assert types[:2] == ["InputLayer", "Normalization"]
    assert types.count("Dense") == 4 and "Conv2D" not in types and "LSTM" not in types
    assert types.count("BatchNormalization") == (3 if batch_normalization else 0)
    assert [model.get_layer(f"dense_{i}").units for i in range(3)] == [32, 16, 8]
    normalized = model.get_layer("normalization")(data.train.x)
    assert np.allclose(np.mean(normalized, axis=0), 0.0, atol=1e-4)
    assert np.allclose(np.std(normalized, axis=0), 1.0, atol=1e-3)
    probs = model.predict(data.val.x, verbose=0)
    assert probs.shape == (20, 3) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    # Saved and loaded, the model still takes raw features and answers the same.
    model.save(tmp_path / "mlp.keras")
    again = keras.models.load_model(tmp_path / "mlp.keras")
    assert np.allclose(again.predict(data.val.x, verbose=0), probs, atol=1e-6)


def test_mlp_without_statistics_names_for_dataset():
    with pytest.raises(ValueError, match=r"InputSpec.for_dataset\(dataset\)"):
        ModelBuilder(ModelConfig(), InputSpec((4,), 3, "tabular"))
    with pytest.raises(ValueError, match="4 features but 2 means"):
        ModelBuilder(ModelConfig(), InputSpec((4,), 3, "tabular", 0, (0.0, 0.0), (1.0,) * 4))


def test_mlp_learns_a_separable_table():
    data = _tabular_dataset()
    labels = (data.train.x[:, 0] > 5.0).astype("int64")
    train = Split(data.train.x, labels)
    model = ModelBuilder(ModelConfig(learning_rate=1e-2), InputSpec.for_dataset(data)).build()
    model.fit(train.x, train.y, epochs=30, batch_size=16, verbose=0)
    assert model.evaluate(train.x, train.y, verbose=0)[1] >= 0.9
