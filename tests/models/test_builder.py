from __future__ import annotations

import numpy as np
import pytest

from healthopt.config import ModelConfig
from healthopt.models.builder import InputSpec, ModelBuilder

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
