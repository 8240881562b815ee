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
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DiagnosticInput:
    epochs: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    architecture: dict[str, Any] | None = None

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
        return cls(epochs=epochs, logs=logs, architecture=architecture)


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


def arch_nodes(architecture: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Graph nodes in sequential order (by `sequential_path` when given)."""
    graph = dig(architecture, "layer_graph") or {}
    nodes = [n for n in graph.get("nodes", []) if isinstance(n, dict)]
    path = graph.get("sequential_path")
    if isinstance(path, list) and path:
        by_id = {n.get("id"): n for n in nodes}
        ordered = [by_id[i] for i in path if i in by_id]
        return ordered + [n for n in nodes if n.get("id") not in set(path)]
    return nodes
