"""evaluate: health components and diagnostics for a model trained outside healthopt.

The model here is a fixed linear map whose predictions are known sample by sample, so the
accuracy, chance level and parameter efficiency have exact answers; the epoch records are
the shared healthy history."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from healthopt.health import HealthEvaluation, evaluate
from healthopt.records import HEALTH_COMPONENTS

from ..builders import healthy_epoch_records

# Feature k of a one-hot input selects class WEIGHTS[k].argmax(): 0, 1, 2, 0.
WEIGHTS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype="float32")
# Labels 10 x class 0, 6 x class 1, 4 x class 2 (chance 0.5); features chosen so 15 of 20
# predictions are right: 8 of the 0s, 5 of the 1s, 2 of the 2s.
LABELS = np.array([0] * 10 + [1] * 6 + [2] * 4)
FEATURE = np.array([0] * 8 + [1] * 2 + [1] * 5 + [2] + [2] * 2 + [3] * 2)


@pytest.fixture(scope="module")
def linear_model() -> keras.Model:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, use_bias=False)])
    model.set_weights([WEIGHTS])
    return model


@pytest.fixture(scope="module")
def val_data() -> tuple[np.ndarray, np.ndarray]:
    return np.eye(4, dtype="float32")[FEATURE], LABELS


def test_known_accuracy_chance_and_parameter_efficiency(linear_model, val_data):
    result = evaluate(healthy_epoch_records(), linear_model, val_data)
    assert isinstance(result, HealthEvaluation)
    assert result.val_accuracy == pytest.approx(0.75)
    assert result.chance_accuracy == pytest.approx(0.5)
    assert (result.num_classes, result.num_parameters) == (3, 12)
    assert result.reference_parameters == (4 + 1) * 3
    efficiency = result.health.components["parameter_efficiency"]
    # 12 weights are under the 15 of the linear reference, so only skill counts:
    # (0.75 - 0.5) / (1 - 0.5).
    assert efficiency.value == pytest.approx(0.5)
    assert efficiency.details["reference_basis"] == "4 input features"
    assert result.train_accuracy is None


def test_every_component_and_the_diagnostics_come_back_json_ready(linear_model, val_data):
    result = evaluate(healthy_epoch_records(), linear_model, val_data)
    assert set(result.health.components) == set(HEALTH_COMPONENTS)
    # The healthy history's losses fall every epoch: a perfectly monotone training loss.
    assert result.health.components["training_stability"].details["monotony"] == 1.0
    assert result.diagnostics.epochs_analyzed == len(healthy_epoch_records())
    assert 0 <= result.diagnostics.health_score <= 100
    # The diagnostics read the model's own architecture: one Dense layer, no CNN family.
    assert result.diagnostics.arch_type == "generic"
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["val_accuracy"] == pytest.approx(0.75)
    assert data["health"]["components"]["parameter_efficiency"] == pytest.approx(0.5)
    assert data["diagnostics"]["health_score"] == result.diagnostics.health_score


def test_one_hot_labels_train_data_and_a_given_chance(linear_model, val_data):
    x, y = val_data
    one_hot = np.eye(3, dtype="float32")[y]
    result = evaluate(
        healthy_epoch_records(),
        linear_model,
        (x, one_hot),
        train_data=(x[:10], y[:10]),  # 8 of the first 10 are right
        chance_accuracy=0.25,
    )
    assert result.val_accuracy == pytest.approx(0.75)
    assert result.train_accuracy == pytest.approx(0.8)
    assert result.chance_accuracy == 0.25
    assert result.health.components["parameter_efficiency"].value == pytest.approx(
        (0.75 - 0.25) / 0.75
    )


def test_token_inputs_measure_against_the_embedding_vocabulary():
    model = keras.Sequential(
        [
            keras.Input((5,), dtype="int32"),
            keras.layers.Embedding(50, 4),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(3),
        ]
    )
    x = np.arange(60, dtype=np.int32).reshape(12, 5) % 50
    result = evaluate(healthy_epoch_records(), model, (x, np.arange(12) % 3))
    assert result.reference_parameters == (50 + 1) * 3
    details = result.health.components["parameter_efficiency"].details
    assert details["reference_basis"] == "bag of tokens over a vocabulary of 50"


def test_token_inputs_without_an_embedding_say_why_efficiency_is_missing():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    x = np.arange(60, dtype=np.int32).reshape(12, 5)
    result = evaluate(healthy_epoch_records(), model, (x, np.arange(12) % 3))
    assert result.reference_parameters is None
    efficiency = result.health.components["parameter_efficiency"]
    assert efficiency.value is None
    assert "vocabulary" in efficiency.reason and "Embedding" in efficiency.reason
    assert result.health.reasons()["parameter_efficiency"] == efficiency.reason


@pytest.mark.parametrize(
    ("records", "data", "kwargs", "message"),
    [
        ([], None, {}, "records is empty"),
        (None, (np.eye(4)[FEATURE], LABELS[:-1]), {}, "x has 20 samples but y has shape"),
        (None, (np.eye(4)[FEATURE], LABELS + 1), {}, "class ids 1..3, but the model scores 3"),
        (None, (np.eye(4)[FEATURE][:0], LABELS[:0]), {}, "val_data holds no samples"),
        (None, (np.eye(4)[FEATURE], LABELS), {"chance_accuracy": 1.5}, "chance_accuracy"),
        (None, np.eye(4), {}, "val_data must be a tuple (x, y)"),
        (None, (np.eye(4)[FEATURE], LABELS), {"train_data": (np.eye(4), [0])}, "train_data x"),
    ],
)
def test_bad_input_is_named(linear_model, val_data, records, data, kwargs, message):
    records = healthy_epoch_records() if records is None else records
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        evaluate(records, linear_model, val_data if data is None else data, **kwargs)


def test_a_model_without_one_score_per_class_is_refused(val_data):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"one score per class.*\(20, 1\)"):
        evaluate(healthy_epoch_records(), model, val_data)


def test_records_must_be_epoch_records(linear_model, val_data):
    with pytest.raises(ValueError, match=r"records\[0\] is a dict"):
        evaluate([{"epoch": 0}], linear_model, val_data)
