"""Layer type names (Keras, PyTorch, seed 004) sorted into the engine's node categories.

Our architecture summary stores each node's `category`; records written elsewhere (seed 004's
PyTorch engine, a hand-made JSON file) give only a type name such as `Conv2d`,
`nn.AdaptiveAvgPool2d` or `TransformerEncoderLayer`. Names are matched on their last dotted
part, case-insensitively, by the first pattern that fits, so spelling variants of a family
(`Conv2D`, `Conv2d`, `ConvTranspose2d`, `SeparableConv2D`) need no list of their own. A name
no pattern fits has no category (None): the checks then treat the layer as unknown rather
than guess.
"""

from __future__ import annotations

import re

# Order matters: a positional embedding is also an embedding, a transformer block holds
# attention and normalization, and "ConvLSTM2D" is a convolution for the CNN checks.
_PATTERNS = (
    ("positional_embedding", r".*position.*"),
    ("embedding", r".*embedding.*"),
    ("attention", r".*attention|transformer(encoder|decoder)?(layer)?"),
    ("recurrent", r"(simple)?rnn(cell)?|lstm(cell)?|gru(cell)?|bidirectional"),
    ("convolution", r".*conv.*"),
    ("pooling", r".*pool.*"),
    ("normalization", r".*norm(alization)?([123]d)?"),
    ("dropout", r".*dropout([123]d)?|gaussiannoise"),
    ("linear", r"(lazy)?linear|bilinear|dense|einsumdense"),
    (
        "activation",
        r"activation|(leaky|p|r)?relu6?|[cs]?elu|gelu|silu|swish|mish|sigmoid|tanh|"
        r"(log)?softmax|softplus|softsign|hard(swish|sigmoid|tanh)|threshold",
    ),
    ("reshape", r"(un)?flatten|reshape|permute|repeatvector"),
)
_COMPILED = tuple((category, re.compile(pattern)) for category, pattern in _PATTERNS)
# Attention that sits on top of an RNN (Keras `Attention`, `AdditiveAttention`): an attention
# node, but no sign of a transformer (the same rule `models.architecture` applies).
SINGLE_HEAD_ATTENTION = frozenset({"attention", "additiveattention"})


def short_name(type_name: str) -> str:
    """`torch.nn.Conv2d` -> `conv2d`: the class name alone, lower-cased."""
    return type_name.rsplit(".", 1)[-1].strip().lower()


def category_of(type_name: object) -> str | None:
    """The node category of a layer type name, or None for a name no pattern fits."""
    if not isinstance(type_name, str) or not type_name.strip():
        return None
    name = short_name(type_name)
    return next((category for category, rx in _COMPILED if rx.fullmatch(name)), None)
