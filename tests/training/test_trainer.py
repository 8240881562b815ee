from __future__ import annotations

import keras
import numpy as np
import pytest

from healthopt.analysis import layers
from healthopt.data import Split
from healthopt.training import trainer


def _split(n: int = 150, features: int = 6, classes: int = 3, seed: int = 0) -> Split:
    """Vectors whose class shifts one feature, so a tiny model gets some right, not all."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, size=n)
    x = rng.normal(size=(n, features)).astype(np.float32)
    x[np.arange(n), y % features] += 1.5
    return Split(x=x, y=y.astype(np.int64))


def _model(
    *, regularizer: keras.regularizers.Regularizer | None = None, logits: bool = False
) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(8, activation="relu", kernel_regularizer=regularizer),
            keras.layers.Dense(3, activation=None if logits else "softmax"),
        ]
    )
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=logits)
    model.compile("adam", loss, metrics=["accuracy"])
    return model


@pytest.mark.parametrize(
    ("regularizer", "logits"),
    [(None, False), (keras.regularizers.L2(0.05), False), (None, True)],
    ids=["plain", "l2", "logits"],
)
def test_one_pass_gives_the_figures_model_evaluate_gives(regularizer, logits):
    train, val = _split(seed=0), _split(n=90, seed=1)
    model = _model(regularizer=regularizer, logits=logits)
    model.fit(train.x, train.y, epochs=2, batch_size=32, verbose=0)
    found = trainer.evaluate_split(model, val)
    loss, accuracy = model.evaluate(val.x, val.y, verbose=0)
    assert found.loss == pytest.approx(loss, rel=1e-5)
    assert found.accuracy == pytest.approx(accuracy, abs=1e-6)
    assert 0.0 < accuracy < 1.0  # a real mix of right and wrong, not a trivial agreement
    # The probabilities are predict_proba's, and `correct` is their arg-max against the label.
    np.testing.assert_allclose(found.probabilities, layers.predict_proba(model, val.x), atol=1e-5)
    assert found.correct.dtype == bool and found.correct.mean() == pytest.approx(accuracy)


def test_the_regularization_loss_is_part_of_the_loss():
    val = _split(n=60, seed=2)
    plain = trainer.evaluate_split(_model(), val)
    # Same seed, same weights: the L2 model's loss differs by exactly its penalty.
    regularized = _model(regularizer=keras.regularizers.L2(0.5))
    penalty = float(sum(np.asarray(loss) for loss in regularized.losses))
    assert penalty > 0.01
    found = trainer.evaluate_split(regularized, val)
    assert found.loss == pytest.approx(plain.loss + penalty, rel=1e-5)
    assert found.loss == pytest.approx(regularized.evaluate(val.x, val.y, verbose=0)[0], rel=1e-5)


def test_a_loss_that_depends_on_the_batch_is_taken_from_evaluate(monkeypatch):
    """An activity regularizer's penalty varies with the batch, so predictions alone cannot
    give evaluate's loss (the model keeps only the last batch's penalty, here a batch of 4);
    the model's own evaluate gives it."""
    monkeypatch.setattr(trainer, "PREDICT_BATCH_SIZE", 32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(
                8, activation="relu", activity_regularizer=keras.regularizers.L1(0.1)
            ),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    val = _split(n=100, seed=3)
    found = trainer.evaluate_split(model, val)
    loss, accuracy = model.evaluate(val.x, val.y, verbose=0)
    assert found.loss == pytest.approx(loss, rel=1e-5)
    assert found.accuracy == pytest.approx(accuracy, abs=1e-6)


def test_an_empty_split_is_refused():
    empty = Split(x=np.zeros((0, 6), dtype=np.float32), y=np.zeros(0, dtype=np.int64))
    with pytest.raises(ValueError, match="no samples"):
        trainer.evaluate_split(_model(), empty)
