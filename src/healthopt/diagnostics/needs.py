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
    dig,
    layer_key,
    layers,
)


@dataclass(frozen=True)
class Field:
    """One input a check reads; `label` is how the report names it."""

    label: str
    present: Callable[[DiagnosticInput], bool]


def _holds(record: object, path: str) -> bool:
    *parents, key = path.split(".")
    holder = dig(record, ".".join(parents)) if parents else record
    return isinstance(holder, dict) and key in holder


def epoch(path: str) -> Field:
    """A figure of the epoch record at a dotted path (`loss.val.val_loss`)."""
    return Field(f"epochs[].{path}", lambda data: any(_holds(e, path) for e in data.epochs))


def layer(key: str) -> Field:
    """A per-layer health figure, under our name or the seed's alias."""
    alias = LAYER_ALIASES.get(key)
    label = f"layer_health.layers.*.{key}" + (f" (or {alias})" if alias else "")
    return Field(
        label,
        lambda data: any(
            layer_key(entry, key) is not None
            for record in data.epochs
            for entry in layers(record).values()
        ),
    )


def arch(path: str) -> Field:
    """A field of the architecture summary (`input_shape`, `layers`)."""
    return Field(f"architecture.{path}", lambda data: dig(data.architecture, path) is not None)


def family(name: str) -> Field:
    """An architecture of one family, stated by `arch_type` or detected from its layers."""
    return Field(
        f"architecture family {name} (stated by arch_type or detected from its layers)",
        lambda data: data.architecture is not None and arch_type(data.architecture) == name,
    )


LOGS = Field("logs[]", lambda data: bool(data.logs))


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


_TRAIN_LOSS = (epoch("loss.train_mean"), epoch("loss.train_epoch"))
_VAL_LOSS = epoch("loss.val.val_loss")
_ANY_LOSS = (*_TRAIN_LOSS, _VAL_LOSS)
_CARBON = (epoch("carbon_emissions.epoch_co2_kg"), epoch("carbon_emissions.epoch_energy_kwh"))
_PARAMS = (arch("layers"), layer("num_parameters"))

NEEDS: dict[str, Need] = {
    # Loss and training dynamics
    "loss_divergence": need(_TRAIN_LOSS),
    "loss_explosion": need(_TRAIN_LOSS),
    "loss_plateau": need(_TRAIN_LOSS),
    # the generalization gap compares a train figure with a validation one, loss or accuracy
    "overfitting": need(
        (*_TRAIN_LOSS, epoch("accuracy.train")), (_VAL_LOSS, epoch("loss.val.val_acc"))
    ),
    "high_loss_variance": need(epoch("loss.train_mean"), epoch("loss.train_std")),
    "gradient_instability": need(epoch("loss.train_mean"), epoch("loss.train_max")),
    "learning_rate_too_high": need(_TRAIN_LOSS),
    "learning_rate_too_low": need(_TRAIN_LOSS),
    "batch_size_too_small": need(epoch("optimizer.batch_size"), epoch("loss.train_std")),
    "batch_size_too_large": need(epoch("optimizer.batch_size"), epoch("loss.train_std"), _VAL_LOSS),
    "nan_in_loss": need(_ANY_LOSS),
    "inf_gradients": need((layer("gradient_finite"), layer("gradient_norm"))),
    # System
    "throughput_degradation": need(epoch("throughput.samples_per_second")),
    "memory_growth": need(epoch("memory.process_rss_mb")),
    "slow_epoch": need(epoch("duration_seconds")),
    "high_cpu": need(epoch("system.cpu_percent")),
    "error_logs": need(LOGS),
    # Profiler
    "profiler_hotspot": need(epoch("profiler.per_layer")),
    "backward_dominance": need(epoch("profiler.operation_categories.backward_pass.pct_cpu")),
    "fwd_bwd_ratio": need((epoch("profiler.fwd_bwd_ratio"), epoch("profiler.backward_ms"))),
    # Sustainability
    "diminishing_returns": need(_ANY_LOSS),
    "early_stop_opportunity": need(_ANY_LOSS),
    "device_underutilization": need(epoch("device.gpu_available")),
    "over_parameterized_layer": need(epoch("profiler.per_layer"), _PARAMS),
    "compute_inefficient_layer": need(epoch("profiler.per_layer"), _PARAMS),
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
    "fc_dominates": need(family("cnn"), arch("layers")),
    "conv_bottleneck": need(family("cnn"), arch("layers")),
    "missing_pooling": need(family("cnn")),
    "large_kernel": need(family("cnn"), arch("input_shape")),
    "early_channel_explosion": need(family("cnn")),
    # RNN
    "hidden_size_ratio": need(family("rnn")),
    "num_layers": need(family("rnn")),
    "bidirectional_usage": need(family("rnn")),
    "sequence_length": need(family("rnn"), (arch("sequence_length"), arch("input_shape"))),
    # Transformer
    "attention_head_count": need(family("transformer")),
    "embedding_dimension": need(family("transformer")),
    "position_encoding": need(family("transformer")),
    "layer_norm_placement": need(family("transformer")),
    "attention_entropy": need(family("transformer"), layer("attention_entropy")),
}


def missing_inputs(check_name: str, data: DiagnosticInput) -> list[str]:
    """What `check_name` (without `check_`) lacks in `data`; [] when it can run."""
    found = NEEDS.get(check_name)
    return found.missing(data) if found is not None else []
