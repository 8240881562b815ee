"""architecture.json: what `models.architecture.describe_model` writes about a built model.

The layer graph's nodes carry a `category` and the keys that category has (seed 004's
layout): convolution (in_channels, out_channels, kernel_size, strides), linear (in_features,
units), recurrent (input_size, units, bidirectional, return_sequences), embedding (input_dim,
output_dim), attention (num_heads, key_dim, embed_dim), positional_embedding (max_positions),
normalization (kind), and pooling, dropout, activation, reshape, other without extra keys.
Files written by others may leave out any of it; PyTorch's `stride` is read as `strides`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field

from healthopt.records.base import Finite, Record, VersionedRecord

ArchType = Literal["cnn", "rnn", "transformer", "generic"]
ARCH_TYPES: tuple[str, ...] = ("cnn", "rnn", "transformer", "generic")
NodeCategory = Literal[
    "convolution",
    "linear",
    "recurrent",
    "embedding",
    "attention",
    "positional_embedding",
    "normalization",
    "pooling",
    "dropout",
    "activation",
    "reshape",
    "other",
]


def _pair(value: Any) -> Any:
    """PyTorch writes a square kernel or stride as one number; ours is [h, w]."""
    return [value, value] if isinstance(value, int) and not isinstance(value, bool) else value


Pair = Annotated[list[int] | None, BeforeValidator(_pair)]


class LayerSummary(Record):
    type: str | None = None
    parameters: int | None = None
    pct_of_total: Finite = None
    output_shape: list[int | None] | None = Field(
        None, description="one sample's output shape (no batch axis); None when not known"
    )


class GraphNode(Record):
    """One layer in the graph; only the keys of its category are set."""

    id: str
    type: str | None = None
    category: str | None = Field(None, description="a NodeCategory; other spellings are kept")
    in_channels: int | None = None
    out_channels: int | None = None
    kernel_size: Pair = None
    strides: Pair = Field(None, validation_alias=AliasChoices("strides", "stride"))
    in_features: int | None = None
    units: int | None = None
    input_size: int | None = None
    bidirectional: bool | None = None
    return_sequences: bool | None = None
    input_dim: int | None = None
    output_dim: int | None = None
    num_heads: int | None = None
    key_dim: int | None = None
    embed_dim: int | None = None
    max_positions: int | None = None
    kind: str | None = Field(None, description='normalization: "batch" or "layer"')


class LayerGraph(Record):
    nodes: list[GraphNode] = []
    sequential_path: list[str] = []


class ArchitectureSummary(VersionedRecord):
    """A model's family, size, input and layers; `arch_type` None when the writer gave none."""

    arch_type: str | None = Field(None, description="an ArchType; other spellings are kept")
    total_parameters: int | None = None
    input_shape: list[int | None] | None = None
    num_classes: int | None = None
    vocabulary_size: int | None = None
    sequence_length: int | None = None
    layers: dict[str, LayerSummary] = {}
    layer_graph: LayerGraph = LayerGraph()
