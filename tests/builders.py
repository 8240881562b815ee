"""The one builder of records for tests: a healthy epoch history and healthy architectures.

Tests copy these and change one thing to inject a problem; the healthy versions must give no
critical issue and a diagnostics score of at least 80. The dict builders give the JSON form
(what observer.json and architecture.json hold, and what a crafted file would); the
`*_records` builders give the validated `healthopt.records` types.
"""

from __future__ import annotations

from typing import Any

from healthopt.diagnostics.records import DiagnosticInput
from healthopt.records import ArchitectureSummary, EpochRecord

HEALTHY_EPOCHS = 8
LAYERS = ("conv_0", "conv_1", "dense_0", "predictions")


def _layer(name: str, epoch: int) -> dict[str, Any]:
    params = {"conv_0": 320, "conv_1": 9248, "dense_0": 8256, "predictions": 650}[name]
    return {
        "type": "Dense" if name.startswith(("dense", "pred")) else "Conv2D",
        "num_parameters": params,
        "weight_mean": 0.001,
        "weight_std": 0.08 + 0.002 * epoch,
        "weight_sparsity": 0.0,
        "gradient_norm": 0.05 / (1 + 0.2 * epoch),
        "gradient_finite": True,
        "activation_mean": 0.4,
        "activation_std": 0.6,
        "activation_zero_fraction": 0.45,
        "activation_variance_across_samples": 0.3,
        "activation_mean_square": 0.52,
        "units": {"conv_0": 32, "conv_1": 32, "dense_0": 64, "predictions": 10}[name],
        "dead_unit_fraction": 0.03,
        "correlation_with_previous": None if name == "conv_0" else 0.35,
        "activation_entropy": 0.55,
        "weight_change": 0.05 / (1 + 0.5 * epoch),
    }


def healthy_epoch(k: int) -> dict[str, Any]:
    """Epoch k of a run that learns steadily: loss falls ~20% an epoch, nothing is wrong."""
    train = 2.0 * 0.8**k + 0.05
    val = 1.1 * train + 0.02
    return {
        "epoch": k,
        "duration_seconds": 10.0 + 0.1 * (k % 3),
        "loss": {
            "train_mean": train,
            "train_std": 0.2 * train,
            "train_min": 0.6 * train,
            "train_max": 1.8 * train,
            "train_epoch": train,
            "val": {"val_loss": val, "val_acc": min(0.97, 0.5 + 0.06 * k)},
        },
        "accuracy": {"train": min(0.99, 0.5 + 0.065 * k)},
        "optimizer": {"name": "adam", "learning_rate": 1e-3, "batch_size": 32},
        "throughput": {"samples_processed": 10000, "samples_per_second": 1000.0 - 5 * (k % 2)},
        "memory": {"process_rss_mb": 1500.0 + 2 * k},
        "system": {"cpu_percent": 120.0, "cpu_count": 2},
        "device": {"gpu_available": False, "training_device": "cpu"},
        "profiler": {
            "total_cpu_time_ms": 40.0,
            "total_cuda_time_ms": 0.0,
            "forward_ms": 16.0,
            "backward_ms": 16.0,
            "fwd_bwd_ratio": 1.0,
            "per_layer": [
                {"name": "conv_0", "type": "Conv2D", "forward_ms": 4.0, "pct_total": 25.0},
                {"name": "conv_1", "type": "Conv2D", "forward_ms": 5.6, "pct_total": 35.0},
                {"name": "dense_0", "type": "Dense", "forward_ms": 4.0, "pct_total": 25.0},
                {"name": "predictions", "type": "Dense", "forward_ms": 2.4, "pct_total": 15.0},
            ],
            "operation_categories": {
                "forward_pass": {"pct_cpu": 40.0},
                "backward_pass": {"pct_cpu": 40.0},
            },
        },
        "layer_health": {"layers": {name: _layer(name, k) for name in LAYERS}},
        "carbon_emissions": {
            "epoch_energy_kwh": 2.8e-5,
            "epoch_co2_kg": 1.3e-5,
            "power_draw_watts": 10.0,
            "method": "estimate: process CPU seconds x 10 W per busy core",
            "gpu_power_note": "no GPU in use",
        },
        "observer_overhead_seconds": 0.02,
    }


def healthy_cnn_architecture() -> dict[str, Any]:
    """A small digits CNN: two 3x3 conv blocks with pooling, one dense layer."""
    layers = {
        "conv_0": ("Conv2D", 320),
        "conv_0_pool": ("MaxPooling2D", 0),
        "conv_1": ("Conv2D", 9248),
        "conv_1_pool": ("MaxPooling2D", 0),
        "flatten": ("Flatten", 0),
        "dense_0": ("Dense", 8256),
        "predictions": ("Dense", 650),
    }
    total = sum(p for _, p in layers.values())
    nodes = [
        {
            "id": "conv_0",
            "type": "Conv2D",
            "category": "convolution",
            "in_channels": 1,
            "out_channels": 32,
            "kernel_size": [3, 3],
            "strides": [1, 1],
        },
        {"id": "conv_0_pool", "type": "MaxPooling2D", "category": "pooling"},
        {
            "id": "conv_1",
            "type": "Conv2D",
            "category": "convolution",
            "in_channels": 32,
            "out_channels": 32,
            "kernel_size": [3, 3],
            "strides": [1, 1],
        },
        {"id": "conv_1_pool", "type": "MaxPooling2D", "category": "pooling"},
        {"id": "flatten", "type": "Flatten", "category": "reshape"},
        {"id": "dense_0", "type": "Dense", "category": "linear", "in_features": 128, "units": 64},
        {
            "id": "predictions",
            "type": "Dense",
            "category": "linear",
            "in_features": 64,
            "units": 10,
        },
    ]
    return {
        "arch_type": "cnn",
        "total_parameters": total,
        "input_shape": [8, 8, 1],
        "num_classes": 10,
        "vocabulary_size": None,
        "sequence_length": None,
        "layers": {
            name: {"type": t, "parameters": p, "pct_of_total": 100.0 * p / total}
            for name, (t, p) in layers.items()
        },
        "layer_graph": {"nodes": nodes, "sequential_path": [n["id"] for n in nodes]},
    }


def healthy_rnn_architecture() -> dict[str, Any]:
    """A text classifier: embedding 64 over 5000 tokens, one BiLSTM(32), dense head."""
    nodes = [
        {
            "id": "embedding",
            "type": "Embedding",
            "category": "embedding",
            "input_dim": 5000,
            "output_dim": 64,
        },
        {
            "id": "bidirectional_lstm",
            "type": "Bidirectional",
            "category": "recurrent",
            "input_size": 64,
            "units": 32,
            "bidirectional": True,
            "return_sequences": False,
        },
        {"id": "dense_0", "type": "Dense", "category": "linear", "in_features": 64, "units": 32},
        {"id": "predictions", "type": "Dense", "category": "linear", "in_features": 32, "units": 2},
    ]
    params = {"embedding": 320000, "bidirectional_lstm": 24832, "dense_0": 2080, "predictions": 66}
    total = sum(params.values())
    return {
        "arch_type": "rnn",
        "total_parameters": total,
        "input_shape": [100],
        "num_classes": 2,
        "vocabulary_size": 5000,
        "sequence_length": 100,
        "layers": {
            n["id"]: {
                "type": n["type"],
                "parameters": params[n["id"]],
                "pct_of_total": 100.0 * params[n["id"]] / total,
            }
            for n in nodes
        },
        "layer_graph": {"nodes": nodes, "sequential_path": [n["id"] for n in nodes]},
    }


def _node(node_id: str, category: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"id": node_id, "type": type_, "category": category, **extra}


def healthy_transformer_architecture(blocks: int = 2, pre_ln: bool = True) -> dict[str, Any]:
    """A small text transformer: vocab 5000, width 64, 4 heads of 16, 128 tokens, pre-LN."""
    nodes = [
        _node("token_embedding", "embedding", "Embedding", input_dim=5000, output_dim=64),
        _node("pos_embedding", "positional_embedding", "Embedding", max_positions=128),
        _node("embed_add", "other", "Add"),
    ]
    for b in range(blocks):
        norm = _node(f"ln_{b}a", "normalization", "LayerNormalization", kind="layer")
        block = [
            _node(
                f"mha_{b}",
                "attention",
                "MultiHeadAttention",
                num_heads=4,
                key_dim=16,
                embed_dim=64,
            ),
            _node(f"add_{b}a", "other", "Add"),
            _node(f"ln_{b}b", "normalization", "LayerNormalization", kind="layer"),
            _node(f"ffn_{b}", "linear", "Dense", in_features=64, units=128),
            _node(f"add_{b}b", "other", "Add"),
        ]
        nodes += [norm, *block] if pre_ln else [*block, norm]
    nodes += [
        _node("pool", "pooling", "GlobalAveragePooling1D"),
        _node("predictions", "linear", "Dense", in_features=64, units=2),
    ]
    return {
        "arch_type": "transformer",
        "total_parameters": 0,
        "input_shape": [128],
        "num_classes": 2,
        "vocabulary_size": 5000,
        "sequence_length": 128,
        "layers": {
            n["id"]: {"type": n["type"], "parameters": 0, "pct_of_total": 0.0} for n in nodes
        },
        "layer_graph": {"nodes": nodes, "sequential_path": [n["id"] for n in nodes]},
    }


def healthy_epoch_records(count: int = HEALTHY_EPOCHS) -> list[EpochRecord]:
    return [EpochRecord.from_json(healthy_epoch(k)) for k in range(count)]


def healthy_cnn_summary() -> ArchitectureSummary:
    return ArchitectureSummary.from_json(healthy_cnn_architecture())


def diagnostic_input(
    epochs: list[dict[str, Any]] | None = None,
    logs: list[dict[str, Any]] | None = None,
    architecture: dict[str, Any] | None = None,
) -> DiagnosticInput:
    """The engine's input from JSON-form parts, validated as `healthopt diagnose` reads a file."""
    return DiagnosticInput.from_json(
        {"epochs": epochs or [], "logs": logs or [], "architecture": architecture}
    )
