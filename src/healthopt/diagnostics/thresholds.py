"""DiagnosticThresholds: every number a check compares against, in one user-settable place.

Defaults follow seed 004 (sections 5-7 and 11.11). Load overrides from a dict or JSON file
with `DiagnosticThresholds.from_dict`; an unknown name or a non-positive value is an error.
The one setting that may be None is `monitor_every_epochs` (None: layer monitoring's own
default frequency).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from healthopt.generalization_gap import ACCURACY_GAP_LIMIT, LOSS_GAP_LIMIT, LOSS_RATIO_LIMIT


class ThresholdError(ValueError):
    """A threshold override names no threshold or has an impossible value."""


# Thresholds that may be None (each says what None means).
OPTIONAL = frozenset({"monitor_every_epochs"})


@dataclass(frozen=True)
class DiagnosticThresholds:
    # Loss
    loss_divergence_epochs: int = 2  # consecutive rising epochs of train loss
    loss_explosion_ratio: float = 2.0  # train loss multiplied by more than this in one epoch
    loss_plateau_improvement: float = 0.01  # < 1% relative improvement over the window
    loss_plateau_window: int = 3
    overfitting_epochs: int = 2  # epochs where val loss rose while train loss fell
    # The generalization gap over the final third (see healthopt.generalization_gap, which
    # justifies the defaults and shares them with the analyzer): overfitting when train
    # accuracy beats val accuracy by this much, or val loss is both this many times and this
    # much above train loss.
    overfitting_accuracy_gap: float = ACCURACY_GAP_LIMIT
    overfitting_loss_ratio: float = LOSS_RATIO_LIMIT
    overfitting_loss_gap: float = LOSS_GAP_LIMIT
    high_loss_variance_cv: float = 0.5  # within-epoch std/mean of batch losses
    gradient_spike_ratio: float = 20.0  # worst batch loss / mean batch loss
    # A nearly fitted model (train accuracy at least this, or train loss below this fraction
    # of the first epoch's) is left out of ratio checks: a few hard batches dominate them.
    converged_accuracy: float = 0.98
    converged_loss_fraction: float = 0.05
    # Learning rate and batch size (seed 004 section 11.2)
    lr_oscillation_sign_changes: int = 3  # alternations of the epoch-loss direction
    lr_too_low_epoch_improvement: float = 0.01  # mean relative train-loss drop per epoch
    batch_size_small: int = 16
    batch_size_large: int = 512
    batch_smooth_cv: float = 0.05  # batch-loss cv under which training counts as very smooth
    # System
    throughput_drop_pct: float = 0.20
    memory_growth_pct: float = 0.25
    slow_epoch_ratio: float = 1.5
    high_cpu_percent: float = 90.0  # per core in use
    # Profiler
    profiler_hotspot_pct: float = 40.0
    backward_dominance_pct: float = 45.0
    fwd_bwd_ratio_min: float = 0.15
    # Sustainability
    diminishing_returns_pct: float = 0.05
    dead_neuron_sparsity: float = 0.5  # > 50% near-zero weights or never-active units
    vanishing_gradient_threshold: float = 1e-7
    exploding_gradient_threshold: float = 1e3
    frozen_output_variance: float = 1e-12
    activation_collapse_ratio: float = 1e-4  # across-sample variance / mean square
    redundant_correlation: float = 0.95
    over_parameterized_ratio: float = 10.0  # param share / compute share
    compute_inefficient_ratio: float = 10.0  # compute share / param share
    high_carbon_kg: float = 0.01  # report CO2 above this as a warning instead of info
    min_share_pct: float = 1.0  # layers below this share of params/compute are not compared
    # CNN architecture
    fc_dominance_pct: float = 92.0
    conv_bottleneck_pct: float = 60.0
    missing_pooling_convs: int = 3
    large_kernel_size: int = 7
    large_kernel_small_input: int = 64  # inputs at most this wide count as small
    early_channel_max: int = 32
    # RNN / transformer architecture
    rnn_hidden_input_ratio: float = 8.0
    rnn_max_layers: int = 4
    rnn_long_sequence: int = 200
    bidirectional_short_sequence: int = 20  # stacked BiRNNs on shorter sequences waste params
    post_ln_deep_attention: int = 6  # post-LN stacks this deep need learning-rate warm-up
    embedding_vocab_ratio: float = 1.0  # embedding dim above vocab * ratio is oversized
    attention_entropy_min: float = 0.1  # nats; below this a head attends to one position
    # Health pruning (diagnostics.live) and did_not_learn: val accuracy within this share of
    # the way from chance to 1.0 counts as at chance (0.118 for 10 balanced classes, 0.51 for
    # 2). A model stuck on the majority class scores chance exactly; the margin absorbs a few
    # lucky validation samples, while any model that has started to learn clears it.
    chance_margin: float = 0.02
    # did_not_learn (checks.chance): epochs in a row at chance after which a trial should
    # have been stopped. Health pruning's default k (`OptimizationConfig.
    # chance_patience_epochs`; a run may change it, `healthopt diagnose` assumes the
    # default), so the report names the epoch pruning would have stopped at.
    chance_patience_epochs: int = 3
    # Layer monitoring (checks.layer_monitoring, seed 001): classes and anomalies are judged
    # at every N-th epoch and the last; None uses `healthopt.monitoring.default_every` (every
    # epoch up to 20 epochs, about 20 monitored epochs beyond). The run's own setting
    # (`OptimizationConfig.monitor_every_epochs`) so the report judges what the trial showed.
    monitor_every_epochs: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in OPTIONAL and value is None:
                continue
            ok = (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and math.isfinite(value)
                and value > 0
            )
            if not ok:
                raise ThresholdError(
                    f"threshold {f.name} must be a positive number (got {value!r})"
                )
            if f.type in ("int", "int | None") and not isinstance(value, int):
                raise ThresholdError(f"threshold {f.name} must be an integer (got {value!r})")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiagnosticThresholds:
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ThresholdError(f"unknown thresholds: {', '.join(unknown)}")
        return cls(**data)
