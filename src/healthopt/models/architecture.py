"""describe_model: turns a built Keras model into the framework-neutral architecture summary.

The diagnostics engine never imports Keras; it reads the `records.ArchitectureSummary` this
module makes (architecture.json holds its `to_json()`). Layers are classified by the class names
in their MRO, so subclasses (a custom `Conv2D`, keras-hub attention layers) land in their
parent's category without this module depending on Keras' private base classes. Nested models
appear as one node of category "other"; their insides are not expanded.
"""

from __future__ import annotations

from typing import Any

import keras

from healthopt.records import ArchitectureSummary, GraphNode, LayerGraph, LayerSummary

_ATTENTION = ("MultiHeadAttention", "GroupedQueryAttention")
# Single-head attention over RNN outputs: an attention node, but no transformer.
_SINGLE_HEAD_ATTENTION = ("Attention", "AdditiveAttention")
_RECURRENT = ("LSTM", "GRU", "SimpleRNN")
_CONVOLUTION = (
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "SeparableConv1D",
    "SeparableConv2D",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
)
_POOLING = (
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
)
_DROPOUT = (
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianDropout",
    "AlphaDropout",
    "GaussianNoise",
)
_ACTIVATION = ("Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax")
_RESHAPE = ("Flatten", "Reshape", "Permute", "RepeatVector")
_LAYER_NORMS = ("LayerNormalization", "GroupNormalization", "UnitNormalization", "RMSNormalization")
# Config keys custom position layers use for the longest sequence they can encode.
_MAX_POSITION_KEYS = (
    "max_positions",
    "sequence_length",
    "max_sequence_length",
    "maxlen",
    "max_len",
    "max_length",
)
# Ops that produce position indices (0..T-1) when an Embedding is fed a computed range.
_RANGE_OPS = ("arange", "range", "cumsum")


def describe_model(model: keras.Model) -> ArchitectureSummary:
    """The architecture summary of a built model: type, sizes, per-layer params, layer graph."""
    layers = [layer for layer in model.layers if not _is(layer, ("InputLayer",))]
    total = int(model.count_params())
    nodes = [_node(layer) for layer in layers]
    input_shape = _shape(model.inputs[0].shape[1:]) if model.inputs else None
    token_embeddings = [n for n in nodes if n.category == "embedding"]
    has_embedding = any(n.category in ("embedding", "positional_embedding") for n in nodes)
    dense = [layer for layer in layers if _is(layer, ("Dense",))]
    return ArchitectureSummary.create(
        arch_type=_arch_type(layers),
        total_parameters=total,
        input_shape=input_shape,
        num_classes=int(dense[-1].units) if dense else None,
        vocabulary_size=token_embeddings[0].input_dim if token_embeddings else None,
        # A 1-D input read by an Embedding is a token sequence (the builder feeds float32
        # token ids, so the dtype is not a reliable signal).
        sequence_length=(
            input_shape[0] if has_embedding and input_shape and len(input_shape) == 1 else None
        ),
        layers={
            layer.name: LayerSummary(
                type=type(layer).__name__,
                parameters=int(layer.count_params()),
                pct_of_total=100.0 * layer.count_params() / total if total else 0.0,
                output_shape=_output_shape(layer),
            )
            for layer in layers
        },
        layer_graph=LayerGraph(nodes=nodes, sequential_path=[n.id for n in nodes]),
    )


def _is(layer: Any, names: tuple[str, ...]) -> bool:
    return any(cls.__name__ in names for cls in type(layer).__mro__)


def _arch_type(layers: list[Any]) -> str:
    if any(_is(layer, _ATTENTION) for layer in layers):
        return "transformer"
    if any(_is(layer, (*_RECURRENT, "Bidirectional")) for layer in layers):
        return "rnn"
    if any(_is(layer, _CONVOLUTION) for layer in layers):
        return "cnn"
    return "generic"


def _shape(shape: Any) -> list[int | None]:
    return [None if d is None else int(d) for d in shape]


def _output_shape(layer: Any) -> list[int | None] | None:
    """One sample's output shape (batch axis dropped); None for a layer never called, called
    more than once, or returning several tensors (no single shape to show)."""
    try:
        tensor = layer.output
    except (AttributeError, ValueError):
        return None
    shape = getattr(tensor, "shape", None)
    return None if shape is None or len(shape) == 0 else _shape(shape[1:])


def _input_shapes(layer: Any) -> list[list[int | None]]:
    """Shapes of the tensors the layer was first called on ([] when it was never called)."""
    try:
        tensors = layer.input
    except (AttributeError, ValueError):
        return []
    if not isinstance(tensors, (list, tuple)):
        tensors = [tensors]
    return [_shape(t.shape) for t in tensors if hasattr(t, "shape")]


def _last_input_dim(layer: Any) -> int | None:
    shapes = _input_shapes(layer)
    return shapes[0][-1] if shapes and shapes[0] else None


def _node(layer: Any) -> GraphNode:
    """The layer's graph node: its category and the keys that category has."""
    name, kind = layer.name, type(layer).__name__
    if _is(layer, _CONVOLUTION):
        return _conv_node(layer)
    if _is(layer, ("Dense",)):
        return GraphNode(
            id=name,
            type=kind,
            category="linear",
            in_features=_last_input_dim(layer),
            units=int(layer.units),
        )
    if _is(layer, ("Bidirectional",)):
        return GraphNode(
            id=name,
            type=kind,
            category="recurrent",
            input_size=_last_input_dim(layer),
            units=int(layer.forward_layer.units),
            bidirectional=True,
            return_sequences=bool(layer.return_sequences),
        )
    if _is(layer, _RECURRENT):
        return GraphNode(
            id=name,
            type=kind,
            category="recurrent",
            input_size=_last_input_dim(layer),
            units=int(layer.units),
            bidirectional=False,
            return_sequences=bool(layer.return_sequences),
        )
    if _is(layer, ("Embedding",)):
        if "pos" in layer.name.lower() or _fed_positions(layer):
            return GraphNode(
                id=name,
                type=kind,
                category="positional_embedding",
                max_positions=int(layer.input_dim),
            )
        return GraphNode(
            id=name,
            type=kind,
            category="embedding",
            input_dim=int(layer.input_dim),
            output_dim=int(layer.output_dim),
        )
    if "position" in kind.lower():
        return GraphNode(
            id=name, type=kind, category="positional_embedding", max_positions=_max_positions(layer)
        )
    if _is(layer, _ATTENTION):
        return _attention_node(layer)
    if _is(layer, _SINGLE_HEAD_ATTENTION):
        return GraphNode(
            id=name,
            type=kind,
            category="attention",
            num_heads=1,
            key_dim=None,
            embed_dim=_last_input_dim(layer),
        )
    if _is(layer, ("BatchNormalization",)):
        return GraphNode(id=name, type=kind, category="normalization", kind="batch")
    if _is(layer, _LAYER_NORMS):
        return GraphNode(id=name, type=kind, category="normalization", kind="layer")
    return GraphNode(id=name, type=kind, category=_simple_category(layer))


def _simple_category(layer: Any) -> str:
    for category, names in (
        ("pooling", _POOLING),
        ("dropout", _DROPOUT),
        ("activation", _ACTIVATION),
        ("reshape", _RESHAPE),
    ):
        if _is(layer, names):
            return category
    return "other"


def _conv_node(layer: Any) -> GraphNode:
    channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    shapes = _input_shapes(layer)
    in_channels = None
    if shapes and len(shapes[0]) > 1:
        in_channels = shapes[0][1] if channels_first else shapes[0][-1]
    try:  # depthwise convs have no `filters`; their output shape says how many channels
        out_shape = _shape(layer.output.shape)
        out_channels = out_shape[1] if channels_first else out_shape[-1]
    except (AttributeError, ValueError):
        out_channels = getattr(layer, "filters", None)
    return GraphNode(
        id=layer.name,
        type=type(layer).__name__,
        category="convolution",
        in_channels=in_channels,
        out_channels=None if out_channels is None else int(out_channels),
        kernel_size=[int(k) for k in layer.kernel_size],
        strides=[int(s) for s in layer.strides],
    )


def _attention_node(layer: Any) -> GraphNode:
    config = layer.get_config()
    heads = config.get("num_heads") or config.get("num_query_heads")
    key_dim = config.get("key_dim") or config.get("head_dim")
    return GraphNode(
        id=layer.name,
        type=type(layer).__name__,
        category="attention",
        num_heads=None if heads is None else int(heads),
        key_dim=None if key_dim is None else int(key_dim),
        embed_dim=_last_input_dim(layer),  # the query's width
    )


def _max_positions(layer: Any) -> int | None:
    """A custom position layer's capacity, from its config or a position Embedding inside it."""
    config = layer.get_config()
    for key in _MAX_POSITION_KEYS:
        value = config.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    for inner in getattr(layer, "_layers", []):
        if _is(inner, ("Embedding",)) and "pos" in inner.name.lower():
            return int(inner.input_dim)
    return None


def _fed_positions(layer: Any, depth: int = 8) -> bool:
    """Whether the Embedding reads indices computed by a range-like op rather than data."""
    try:
        history = layer.input._keras_history
    except (AttributeError, ValueError):
        return False
    frontier = [history.operation]
    for _ in range(depth):
        parents = []
        for op in frontier:
            if any(name in op.name.lower() for name in _RANGE_OPS):
                return True
            if isinstance(op, keras.layers.Layer):  # data, not index arithmetic, from here
                continue
            for node in getattr(op, "_inbound_nodes", []):
                for tensor in node.input_tensors:
                    parent = getattr(tensor, "_keras_history", None)
                    if parent is not None:
                        parents.append(parent.operation)
        frontier = parents
    return False
