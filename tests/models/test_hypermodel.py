"""Building a user's hypermodel: the checks that stop a model that cannot train on the data,
and the compile a worker gives a model its build left open."""

from __future__ import annotations

import sys
from pathlib import Path

import optuna
import pytest

from healthopt.config import ModelConfig
from healthopt.hypermodel import DataShape, HypermodelError, HyperParameters

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hypermodel"))
import user_hypermodels as user  # noqa: E402

from healthopt.models.hypermodel import build_checked, build_for_training, is_compiled  # noqa: E402

DIGITS = DataShape(input_shape=(8, 8, 1), num_classes=10, modality="image")


def sampling_hp() -> HyperParameters:
    return HyperParameters.sampling(optuna.create_study().ask(), DIGITS)


def test_an_uncompiled_build_is_compiled_with_the_drawn_optimizer_and_accuracy():
    model = build_for_training(
        user.build, sampling_hp(), DIGITS, ModelConfig(optimizer="rmsprop", learning_rate=0.004),
        total_steps=None,
    )  # fmt: skip
    assert type(model.optimizer).__name__ == "RMSprop"
    assert float(model.optimizer.learning_rate) == pytest.approx(0.004)
    assert model.loss == "sparse_categorical_crossentropy"
    assert [m for m in model.metrics_names if m != "loss"] == ["compile_metrics"]


def test_a_compiled_build_keeps_its_optimizer_and_loss_with_accuracy_as_the_metric():
    hp = sampling_hp()
    model = build_checked(user.build_compiled, hp, DIGITS)
    assert is_compiled(model) and hp.values["batch_size"] == 48
    trained = build_for_training(user.build_compiled, sampling_hp(), DIGITS, ModelConfig(), None)
    assert type(trained.optimizer).__name__ == "SGD"
    import numpy as np

    x = np.zeros((4, 8, 8, 1), dtype="float32")
    y = np.arange(4)
    results = trained.evaluate(x, y, verbose=0, return_dict=True)
    assert set(results) == {"loss", "accuracy"}  # "mae" is gone: healthopt reads two


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (user.build_wrong_output, r"output shape is \(3\) but the labels have 10 classes"),
        (user.build_logits, "activation 'linear'.*softmax"),
        (user.build_wrong_input, r"input shape is \(5\) but the data's samples are \(8, 8, 1\)"),
        (user.build_not_a_model, "must return a keras.Model"),
    ],
)
def test_a_model_that_cannot_train_on_the_data_is_refused_with_the_reason(build, message):
    with pytest.raises(HypermodelError, match=message):
        build_checked(build, sampling_hp(), DIGITS)


def test_a_build_that_raises_is_reported_with_its_exception():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    errors = []
    for _ in range(8):
        try:
            build_checked(
                user.build_sometimes_broken, HyperParameters.sampling(study.ask(), DIGITS), DIGITS
            )
        except HypermodelError as exc:
            errors.append(str(exc))
    assert errors and all(
        e == "build(hp) raised ValueError: this architecture does not exist" for e in errors
    )
