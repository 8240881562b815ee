"""What the engine reads: epoch records, log entries and an architecture summary.

`DiagnosticInput` is the one argument every check takes. Any part may be empty or partial
(a crafted JSON file, an old run, a trial that stopped after one epoch), so checks read it
through the accessors here, which return None for anything missing or non-finite instead of
raising.

Epoch record (one per epoch, written by `training.observer`; seed 004 section 4.1)::

    {"epoch": 0, "duration_seconds": 1.2,
     "loss": {"train_mean", "train_std", "train_min", "train_max", "train_epoch",
              "val": {"val_loss", "val_acc"}},
     "accuracy": {"train"},
     "optimizer": {"name", "learning_rate", "batch_size"},
     "throughput": {"samples_processed", "samples_per_second"},
     "memory": {"process_rss_mb"},
     "system": {"cpu_percent", "cpu_count"},          # cpu_percent is per process, 100 = 1 core
     "device": {"gpu_available", "training_device"},  # "cpu" or "gpu"
     "profiler": {"total_cpu_time_ms", "total_cuda_time_ms", "forward_ms", "backward_ms",
                  "fwd_bwd_ratio", "per_layer": [{"name", "type", "forward_ms", "pct_total"}],
                  "operation_categories": {"forward_pass": {"pct_cpu"},
                                           "backward_pass": {"pct_cpu"}}},
     "layer_health": {"layers": {name: {
         "type", "num_parameters", "weight_mean", "weight_std", "weight_sparsity",
         "gradient_norm", "gradient_finite", "activation_mean", "activation_std",
         "activation_zero_fraction", "activation_variance_across_samples",
         "activation_mean_square", "units", "dead_unit_fraction",
         "correlation_with_previous", "attention_entropy"}}},
     "carbon_emissions": {"epoch_energy_kwh", "epoch_co2_kg", "power_draw_watts", "method",
                          "gpu_power_note"},
     "observer_overhead_seconds": 0.01}

Log entry: `{"ts", "level", "msg", "kind"}` with level DEBUG/INFO/WARNING/ERROR/CRITICAL.

Architecture (written by `models.architecture`)::

    {"arch_type": "cnn" | "rnn" | "transformer" | "generic",
     "total_parameters": 12345, "input_shape": [8, 8, 1], "num_classes": 10,
     "vocabulary_size": None, "sequence_length": None,
     "layers": {name: {"type", "parameters", "pct_of_total"}},
     "layer_graph": {"nodes": [{"id", "type", "category", ...}], "sequential_path": [ids]}}

Node categories and their extra keys: convolution (in_channels, out_channels, kernel_size
[h, w], strides), linear (in_features, units), recurrent (input_size, units, bidirectional,
return_sequences), embedding (input_dim, output_dim), attention (num_heads, key_dim,
embed_dim), positional_embedding (max_positions), normalization (kind: "batch" | "layer"),
pooling, dropout, activation, reshape, other.

Seed 004 spellings. Records written by seed 004's engine (PyTorch) use other names for some
per-layer figures and leave out what our writers always give; the accessors below read both,
ours first, so a check reads one name whatever wrote the record:

- `gradient_norm_mean` -> our `gradient_norm`. Ours is the L2 norm of the layer's gradient
  on the fixed probe batch; the seed's is that norm averaged over the epoch's batches. Both
  measure how much gradient reaches the layer, on the same scale.
- `has_vanishing_gradients: true` -> a vanishing-gradient finding for that epoch, as a norm
  below `vanishing_gradient_threshold` would be: the recorder's own verdict, used even when
  its norm is above our threshold (the seed's example flags a norm of 1e-4).
- `activation_var_of_means` -> our `activation_variance_across_samples`. Ours is the mean
  over output units of each unit's variance across probe samples; the seed's is the variance
  of the mean activation. The seed's figure is never larger than ours (the variance of a mean
  is at most the mean of the variances), so it is a lower bound: equal for a one-unit layer,
  but near zero for a layer whose mean is fixed by construction (a softmax, a LayerNorm
  without learned shift) even when its units still respond to the input.
- `weight_sparsity` has the same name and meaning in both.
- A graph node's `stride` (PyTorch) is read as our `strides`.

Architectures without `arch_type`: the family is detected from the layer graph (or, without
one, from `layers[].type`): an attention node other than single-head `Attention` ->
transformer, else a recurrent node -> rnn, else a convolution -> cnn, else generic (the
precedence `models.architecture` uses). Nodes without `category` get one from their type
name (`layer_types`: `Conv2d` -> convolution, `Linear` -> linear, `MaxPool2d` -> pooling,
`LSTM` -> recurrent, `MultiheadAttention` -> attention, `BatchNorm2d` -> normalization, ...).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from healthopt.diagnostics.layer_types import SINGLE_HEAD_ATTENTION, category_of, short_name

# The keys the engine knows at each level of the input (ours and the seed's spellings);
# anything else is named in the report so a misspelt record is not mistaken for a clean one.
INPUT_KEYS = frozenset({"epochs", "logs", "architecture"})
EPOCH_KEYS = frozenset(
    {
        "epoch",
        "duration_seconds",
        "loss",
        "accuracy",
        "optimizer",
        "throughput",
        "memory",
        "system",
        "device",
        "profiler",
        "layer_health",
        "carbon_emissions",
        "observer_overhead_seconds",
    }
)
# Our per-layer key -> the seed's spelling of the same figure (module docstring).
LAYER_ALIASES = {
    "gradient_norm": "gradient_norm_mean",
    "activation_variance_across_samples": "activation_var_of_means",
}
VANISHING_FLAG = "has_vanishing_gradients"
LAYER_KEYS = frozenset(
    {
        "type",
        "num_parameters",
        "weight_mean",
        "weight_std",
        "weight_sparsity",
        "gradient_norm",
        "gradient_finite",
        "activation_mean",
        "activation_std",
        "activation_zero_fraction",
        "activation_variance_across_samples",
        "activation_mean_square",
        "units",
        "dead_unit_fraction",
        "correlation_with_previous",
        "attention_entropy",
        VANISHING_FLAG,
        *LAYER_ALIASES.values(),
    }
)
ARCHITECTURE_KEYS = frozenset(
    {
        "arch_type",
        "total_parameters",
        "input_shape",
        "num_classes",
        "vocabulary_size",
        "sequence_length",
        "layers",
        "layer_graph",
    }
)
LOG_KEYS = frozenset({"ts", "level", "msg", "kind"})
ARCH_TYPES = ("cnn", "rnn", "transformer", "generic")


@dataclass(frozen=True)
class DiagnosticInput:
    """The records of one run; `ignored_keys` are top-level keys `from_dict` did not know."""

    epochs: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    architecture: dict[str, Any] | None = None
    ignored_keys: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiagnosticInput:
        """From `{"epochs": [...], "logs": [...], "architecture": {...}}`; all keys optional."""
        epochs = data.get("epochs") or []
        logs = data.get("logs") or []
        architecture = data.get("architecture") or None
        if not isinstance(epochs, list) or not all(isinstance(e, dict) for e in epochs):
            raise ValueError("'epochs' must be a list of epoch records (objects)")
        if not isinstance(logs, list) or not all(isinstance(e, dict) for e in logs):
            raise ValueError("'logs' must be a list of log entries (objects)")
        if architecture is not None and not isinstance(architecture, dict):
            raise ValueError("'architecture' must be an object")
        ignored = tuple(str(key) for key in data if key not in INPUT_KEYS)
        return cls(epochs=epochs, logs=logs, architecture=architecture, ignored_keys=ignored)


def number(value: Any) -> float | None:
    """A finite float, or None for missing, non-numeric, NaN or infinite values."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def dig(record: Any, path: str) -> Any:
    """`dig(r, "loss.val.val_loss")`: the nested value, or None when any step is missing."""
    for key in path.split("."):
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def series(epochs: list[dict[str, Any]], path: str) -> list[float | None]:
    """One number per epoch (None where missing), e.g. `series(epochs, "loss.train_mean")`."""
    return [number(dig(e, path)) for e in epochs]


def epoch_index(epochs: list[dict[str, Any]], position: int) -> int:
    """The record's own epoch number when it has one, else its position in the list."""
    value = dig(epochs[position], "epoch")
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else position


def layers(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The per-layer health entries of one epoch record ({} when absent)."""
    found = dig(record, "layer_health.layers")
    return found if isinstance(found, dict) else {}


def layer_series(epochs: list[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Each layer name with its entry per epoch ({} in epochs where it is missing)."""
    names: dict[str, None] = {}
    for record in epochs:
        names.update(dict.fromkeys(layers(record)))
    for name in names:
        yield name, [layers(record).get(name, {}) for record in epochs]


def layer_key(entry: Any, key: str) -> str | None:
    """The spelling under which `entry` holds our per-layer `key`: ours first, then the seed's
    alias (`LAYER_ALIASES`); None when it holds neither."""
    if not isinstance(entry, dict):
        return None
    for spelling in (key, LAYER_ALIASES.get(key)):
        if spelling is not None and spelling in entry:
            return spelling
    return None


def layer_value(entry: Any, key: str) -> Any:
    """The raw value of our per-layer `key` in `entry`, read under either spelling."""
    spelling = layer_key(entry, key)
    return entry[spelling] if spelling is not None else None


def layer_number(entry: Any, key: str) -> float | None:
    """Our per-layer `key` as a finite number, read under either spelling, else None."""
    return number(layer_value(entry, key))


def vanishing_flag(entry: Any) -> bool | None:
    """The recorder's own verdict `has_vanishing_gradients`, None when it gave none."""
    value = entry.get(VANISHING_FLAG) if isinstance(entry, dict) else None
    return value if isinstance(value, bool) else None


def node_category(node: dict[str, Any]) -> str | None:
    """The node's `category`, or the one its `type` name implies (`layer_types`)."""
    category = node.get("category")
    return category if isinstance(category, str) else category_of(node.get("type"))


def _layer_node(name: str, entry: Any) -> dict[str, Any]:
    kind = entry.get("type") if isinstance(entry, dict) else None
    return {"id": name, "type": kind} if kind is not None else {"id": name}


def arch_nodes(architecture: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Graph nodes in sequential order (by `sequential_path` when given), each with a category.

    Without graph nodes, the `layers` entries stand in as nodes ({"id", "type"}) in their
    order. A path id that names no graph node is filled in from its `layers` entry, or kept
    as a bare {"id"} when nothing describes it (seed 004's example path lists a `pool1` that
    no node describes: dropping it would make the convolutions around it look adjacent). A
    node without `category` gets the one its type name implies (None when none fits).
    """
    graph = dig(architecture, "layer_graph")
    graph = graph if isinstance(graph, dict) else {}
    listed = dig(architecture, "layers")
    listed = listed if isinstance(listed, dict) else {}
    raw = graph.get("nodes")
    nodes = [n for n in raw if isinstance(n, dict)] if isinstance(raw, list) else []
    if not nodes:
        nodes = [_layer_node(str(name), entry) for name, entry in listed.items()]
    path = graph.get("sequential_path")
    if isinstance(path, list) and path:
        by_id = {n.get("id"): n for n in nodes if isinstance(n.get("id"), str)}
        ids = [i for i in path if isinstance(i, str)]
        ordered = [by_id[i] if i in by_id else _layer_node(i, listed.get(i)) for i in ids]
        on_path = set(ids)
        nodes = ordered + [n for n in nodes if n.get("id") not in on_path]
    return [
        n if isinstance(n.get("category"), str) else {**n, "category": node_category(n)}
        for n in nodes
    ]


def recorded_arch_type(architecture: dict[str, Any] | None) -> str | None:
    """The family the summary states (`arch_type`), None when it states none we know."""
    value = dig(architecture, "arch_type")
    value = value.strip().lower() if isinstance(value, str) else None
    return value if value in ARCH_TYPES else None


def detected_arch_type(architecture: dict[str, Any] | None) -> str:
    """The family the layers imply (module docstring), "generic" when nothing singles one out."""
    nodes = arch_nodes(architecture)
    categories = {n["category"] for n in nodes}
    if any(
        n["category"] == "attention"
        and short_name(str(n.get("type") or "")) not in SINGLE_HEAD_ATTENTION
        for n in nodes
    ):
        return "transformer"
    if "recurrent" in categories:
        return "rnn"
    return "cnn" if "convolution" in categories else "generic"


def arch_type(architecture: dict[str, Any] | None) -> str:
    """The family the checks treat the model as: the stated one, else the detected one."""
    return recorded_arch_type(architecture) or detected_arch_type(architecture)
