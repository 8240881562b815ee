"""Layer type names from Keras, PyTorch and seed 004 land in the engine's node categories."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.layer_types import category_of


@pytest.mark.parametrize(
    "type_name, category",
    [
        ("Conv2d", "convolution"),
        ("torch.nn.ConvTranspose2d", "convolution"),
        ("Conv2D", "convolution"),
        ("SeparableConv2D", "convolution"),
        ("Linear", "linear"),
        ("Dense", "linear"),
        ("MaxPool2d", "pooling"),
        ("nn.AdaptiveAvgPool2d", "pooling"),
        ("GlobalAveragePooling2D", "pooling"),
        ("LSTM", "recurrent"),
        ("GRU", "recurrent"),
        ("SimpleRNN", "recurrent"),
        ("Bidirectional", "recurrent"),
        ("Embedding", "embedding"),
        ("PositionEmbedding", "positional_embedding"),
        ("MultiheadAttention", "attention"),
        ("MultiHeadAttention", "attention"),
        ("TransformerEncoderLayer", "attention"),
        ("BatchNorm2d", "normalization"),
        ("LayerNorm", "normalization"),
        ("BatchNormalization", "normalization"),
        ("Dropout", "dropout"),
        ("SpatialDropout2D", "dropout"),
        ("ReLU", "activation"),
        ("LeakyReLU", "activation"),
        ("GELU", "activation"),
        ("Softmax", "activation"),
        ("Flatten", "reshape"),
    ],
)
def test_known_names_get_their_category(type_name, category):
    assert category_of(type_name) == category


@pytest.mark.parametrize("type_name", ["Identity", "Sequential", "MyBlock", "", None, 3])
def test_names_no_pattern_fits_have_no_category(type_name):
    assert category_of(type_name) is None
