"""What each check reads, so the report can say which checks had their data and which did not.

A check's `Need` is a list of groups; each group is one input the check cannot do without,
given as alternatives (`loss.train_mean` or `loss.train_epoch`). The need is met when every
group has one alternative present. An epoch or layer field counts as present when some epoch
holds the key, even as null (the observer writes non-finite numbers as null, and a null loss
is itself a finding); layer fields are read under our name or seed 004's (`records`).

The engine runs a check only when its need is met and lists the others as skipped with the
groups they missed, so an empty section of the report is never mistaken for a clean one. The
table lives here rather than beside each check so that one place states every check's
inputs; a check missing from it always runs (a test keeps the table complete).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from healthopt.diagnostics.records import (
    LAYER_ALIASES,
    VANISHING_FLAG,
    DiagnosticInput,
    arch_type,
    given,
)
from healthopt.records import ArchitectureSummary, EpochRecord


@dataclass(frozen=True)
class Field:
    """One input a check reads; `label` is how the report names it."""

    label: str
    present: Callable[[DiagnosticInput], bool]


def epoch(path: str, holds: Callable[[EpochRecord], bool]) -> Field:
    """A figure of the epoch record at `path` (`loss.val.val_loss`, the label), present in an
    epoch where `holds` says the record gave it."""
    return Field(f"epochs[].{path}", lambda data: any(holds(e) for e in data.epochs))


def layer(key: str) -> Field:
    """A per-layer health figure, under our name or the seed's alias."""
    alias = LAYER_ALIASES.get(key)
    label = f"layer_health.layers.*.{key}" + (f" (or {alias})" if alias else "")
    return Field(
        label,
        lambda data: any(
            given(entry, key) for record in data.epochs for entry in record.layers.values()
        ),
    )


def arch(path: str, holds: Callable[[ArchitectureSummary], bool]) -> Field:
    """A field of the architecture summary (`input_shape`, `layers`)."""
    return Field(
        f"architecture.{path}",
        lambda data: data.architecture is not None and holds(data.architecture),
    )


def family(name: str) -> Field:
    """An architecture of one family, stated by `arch_type` or detected from its layers."""
    return Field(
        f"architecture family {name} (stated by arch_type or detected from its layers)",
        lambda data: data.architecture is not None and arch_type(data.architecture) == name,
    )


def _pct_cpu(record: EpochRecord, operation: str) -> bool:
    share = record.profiler.operation_categories.get(operation)
    return share is not None and given(share, "pct_cpu")


LOGS = Field("logs[]", lambda data: bool(data.logs))
# The chance level is the run's, not the records': a trial folder's result.json holds it.
CHANCE = Field(
    "chance_accuracy (the validation split's majority-class rate; a trial folder's "
    "result.json metrics.chance_accuracy)",
    lambda data: data.chance_accuracy is not None,
)


@dataclass(frozen=True)
class Need:
    """Groups of alternatives; met when every group has one alternative present."""

    groups: tuple[tuple[Field, ...], ...] = ()

    def missing(self, data: DiagnosticInput) -> list[str]:
        """The groups with no alternative present, each as "a or b"; [] when met."""
        return [
            " or ".join(f.label for f in group)
            for group in self.groups
            if not any(f.present(data) for f in group)
        ]


def need(*groups: Field | tuple[Field, ...]) -> Need:
    return Need(tuple(g if isinstance(g, tuple) else (g,) for g in groups))


_TRAIN_MEAN = epoch("loss.train_mean", lambda e: given(e.loss, "train_mean"))
_TRAIN_STD = epoch("loss.train_std", lambda e: given(e.loss, "train_std"))
_TRAIN_LOSS = (_TRAIN_MEAN, epoch("loss.train_epoch", lambda e: given(e.loss, "train_epoch")))
_VAL_LOSS = epoch("loss.val.val_loss", lambda e: given(e.loss.val, "val_loss"))
_VAL_ACC = epoch("loss.val.val_acc", lambda e: given(e.loss.val, "val_acc"))
_ANY_LOSS = (*_TRAIN_LOSS, _VAL_LOSS)
_BATCH_SIZE = epoch("optimizer.batch_size", lambda e: given(e.optimizer, "batch_size"))
_PER_LAYER = epoch("profiler.per_layer", lambda e: given(e.profiler, "per_layer"))
_CARBON = (
    epoch("carbon_emissions.epoch_co2_kg", lambda e: given(e.carbon_emissions, "epoch_co2_kg")),
    epoch(
        "carbon_emissions.epoch_energy_kwh",
        lambda e: given(e.carbon_emissions, "epoch_energy_kwh"),
    ),
)
_ARCH_LAYERS = arch("layers", lambda a: given(a, "layers"))
_INPUT_SHAPE = arch("input_shape", lambda a: a.input_shape is not None)
_PARAMS = (_ARCH_LAYERS, layer("num_parameters"))
_FAMILY = {name: family(name) for name in ("cnn", "rnn", "transformer")}
# Layer monitoring (checks.layer_monitoring) judges layers with trainable weights only.
_WEIGHTED = layer("num_parameters")
_ENTROPY = layer("activation_entropy")
_WEIGHT_CHANGE = layer("weight_change")
_MEAN_SQUARE = layer("activation_mean_square")

NEEDS: dict[str, Need] = {
    # Loss and training dynamics
    "loss_divergence": need(_TRAIN_LOSS),
    "loss_explosion": need(_TRAIN_LOSS),
    "loss_plateau": need(_TRAIN_LOSS),
    # the generalization gap compares a train figure with a validation one, loss or accuracy
    "overfitting": need(
        (*_TRAIN_LOSS, epoch("accuracy.train", lambda e: given(e.accuracy, "train"))),
        (_VAL_LOSS, _VAL_ACC),
    ),
    "high_loss_variance": need(_TRAIN_MEAN, _TRAIN_STD),
    "gradient_instability": need(
        _TRAIN_MEAN, epoch("loss.train_max", lambda e: given(e.loss, "train_max"))
    ),
    "learning_rate_too_high": need(_TRAIN_LOSS),
    "learning_rate_too_low": need(_TRAIN_LOSS),
    "batch_size_too_small": need(_BATCH_SIZE, _TRAIN_STD),
    "batch_size_too_large": need(_BATCH_SIZE, _TRAIN_STD, _VAL_LOSS),
    "nan_in_loss": need(_ANY_LOSS),
    "inf_gradients": need((layer("gradient_finite"), layer("gradient_norm"))),
    "did_not_learn": need(_VAL_ACC, CHANCE),
    # System
    "throughput_degradation": need(
        epoch("throughput.samples_per_second", lambda e: given(e.throughput, "samples_per_second"))
    ),
    "memory_growth": need(
        epoch("memory.process_rss_mb", lambda e: given(e.memory, "process_rss_mb"))
    ),
    "slow_epoch": need(epoch("duration_seconds", lambda e: given(e, "duration_seconds"))),
    "high_cpu": need(epoch("system.cpu_percent", lambda e: given(e.system, "cpu_percent"))),
    "error_logs": need(LOGS),
    # Profiler
    "profiler_hotspot": need(_PER_LAYER),
    "backward_dominance": need(
        epoch(
            "profiler.operation_categories.backward_pass.pct_cpu",
            lambda e: _pct_cpu(e, "backward_pass"),
        )
    ),
    "fwd_bwd_ratio": need(
        (
            epoch("profiler.fwd_bwd_ratio", lambda e: given(e.profiler, "fwd_bwd_ratio")),
            epoch("profiler.backward_ms", lambda e: given(e.profiler, "backward_ms")),
        )
    ),
    # Sustainability
    "diminishing_returns": need(_ANY_LOSS),
    "early_stop_opportunity": need(_ANY_LOSS),
    "device_underutilization": need(
        epoch("device.gpu_available", lambda e: given(e.device, "gpu_available"))
    ),
    "over_parameterized_layer": need(_PER_LAYER, _PARAMS),
    "compute_inefficient_layer": need(_PER_LAYER, _PARAMS),
    "dead_neurons": need((layer("dead_unit_fraction"), layer("weight_sparsity"))),
    "vanishing_gradients": need((layer("gradient_norm"), layer(VANISHING_FLAG))),
    "frozen_output": need(layer("activation_variance_across_samples")),
    "activation_collapse": need(
        layer("activation_variance_across_samples"), layer("activation_mean_square")
    ),
    "redundant_layers": need(layer("correlation_with_previous")),
    "high_carbon_intensity": need(_CARBON),
    "wasted_carbon": need(_ANY_LOSS, _CARBON),
    # CNN
    "fc_dominates": need(_FAMILY["cnn"], _ARCH_LAYERS),
    "conv_bottleneck": need(_FAMILY["cnn"], _ARCH_LAYERS),
    "missing_pooling": need(_FAMILY["cnn"]),
    "large_kernel": need(_FAMILY["cnn"], _INPUT_SHAPE),
    "early_channel_explosion": need(_FAMILY["cnn"]),
    # RNN
    "hidden_size_ratio": need(_FAMILY["rnn"]),
    "num_layers": need(_FAMILY["rnn"]),
    "bidirectional_usage": need(_FAMILY["rnn"]),
    "sequence_length": need(
        _FAMILY["rnn"],
        (
            arch("sequence_length", lambda a: a.sequence_length is not None),
            _INPUT_SHAPE,
        ),
    ),
    # Transformer
    "attention_head_count": need(_FAMILY["transformer"]),
    "embedding_dimension": need(_FAMILY["transformer"]),
    "position_encoding": need(_FAMILY["transformer"]),
    "layer_norm_placement": need(_FAMILY["transformer"]),
    "attention_entropy": need(_FAMILY["transformer"], layer("attention_entropy")),
    # Layer monitoring (seed 001): a spike can show in any one metric; a class reads five
    # (luminosity, fracture density, entropy, resilience, variance); a layer that never
    # learned shows in its weight changes (or, when dead_neurons is off, its dead units),
    # and a run that did not converge in its train loss.
    "layer_metric_spike": need(
        _WEIGHTED,
        (_MEAN_SQUARE, _ENTROPY, _WEIGHT_CHANGE, layer("activation_zero_fraction")),
    ),
    "layer_class_instability": need(
        _WEIGHTED,
        _MEAN_SQUARE,
        layer("activation_std"),
        _ENTROPY,
        _WEIGHT_CHANGE,
        layer("activation_variance_across_samples"),
    ),
    "layer_not_converging": need((_WEIGHT_CHANGE, layer("dead_unit_fraction"), *_TRAIN_LOSS)),
}


def missing_inputs(check_name: str, data: DiagnosticInput) -> list[str]:
    """What `check_name` (without `check_`) lacks in `data`; [] when it can run."""
    found = NEEDS.get(check_name)
    return found.missing(data) if found is not None else []
