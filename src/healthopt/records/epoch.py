"""The per-epoch record `training.observer` writes (observer.json holds a list of them).

Seed 004 section 4.1 is the layout. Every block and figure is optional, because the
diagnostics engine also reads records we did not write (a crafted file, an old run, seed 004's
PyTorch engine); a block that is absent reads as an empty one, whose figures are None. Seed
004's spellings of two per-layer figures are read as ours (`validation_alias`); see
`healthopt.diagnostics.records` for what each means.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from healthopt.records.base import Finite, Record, SchemaError


def _alias(ours: str, seeds: str) -> AliasChoices:
    """Read `ours` first, then seed 004's spelling of the same figure."""
    return AliasChoices(ours, seeds)


class ValidationLoss(Record):
    val_loss: Finite = None
    val_acc: Finite = None


class LossBlock(Record):
    """The training loss over the epoch's batches, and the validation figures at its end."""

    train_mean: Finite = None
    train_std: Finite = None
    train_min: Finite = None
    train_max: Finite = None
    train_epoch: Finite = None
    val: ValidationLoss = ValidationLoss()


class AccuracyBlock(Record):
    train: Finite = None


class OptimizerBlock(Record):
    name: str | None = None
    learning_rate: Finite = None
    batch_size: int | None = None


class ThroughputBlock(Record):
    samples_processed: int | None = None
    samples_per_second: Finite = None


class MemoryBlock(Record):
    process_rss_mb: Finite = None


class SystemBlock(Record):
    cpu_percent: Finite = Field(None, description="per process; 100 = one core busy")
    cpu_count: int | None = None


class DeviceBlock(Record):
    gpu_available: bool | None = None
    training_device: str | None = Field(None, description='"cpu" or "gpu"')


class ProfiledLayer(Record):
    name: str | None = None
    type: str | None = None
    forward_ms: Finite = None
    pct_total: Finite = None


class OperationShare(Record):
    pct_cpu: Finite = None


class ProfilerBlock(Record):
    total_cpu_time_ms: Finite = None
    total_cuda_time_ms: Finite = None
    forward_ms: Finite = None
    backward_ms: Finite = None
    fwd_bwd_ratio: Finite = None
    per_layer: list[ProfiledLayer] = []
    operation_categories: dict[str, OperationShare] = {}
    # What was timed: the device, the probe batch's size, and the measured training step.
    device: str | None = None
    probe_batch_size: int | None = None
    step_ms: Finite = None


class ActivationHistogram(Record):
    """The probe batch's activations of one layer as a histogram over [low, high]."""

    low: Finite = None
    high: Finite = None
    counts: list[int] = []


class LayerHealth(Record):
    """One layer's figures for one epoch, measured on the observer's fixed probe batch."""

    type: str | None = None
    num_parameters: int | None = None
    weight_mean: Finite = None
    weight_std: Finite = None
    weight_sparsity: Finite = None
    gradient_norm: Finite = Field(
        None, validation_alias=_alias("gradient_norm", "gradient_norm_mean")
    )
    gradient_finite: bool | None = None
    activation_mean: Finite = None
    activation_std: Finite = None
    activation_zero_fraction: Finite = None
    activation_variance_across_samples: Finite = Field(
        None,
        validation_alias=_alias("activation_variance_across_samples", "activation_var_of_means"),
    )
    activation_mean_square: Finite = None
    units: int | None = None
    dead_unit_fraction: Finite = None
    correlation_with_previous: Finite = None
    attention_entropy: Finite = None
    # Layer monitoring (seed 001, `healthopt.monitoring`): the histogram's Shannon entropy over
    # ln(bins), in [0, 1]; and mean |w_t - w_(t-1)| / mean |w_(t-1)| of the trainable weights
    # since the previous epoch (the first epoch: since training began).
    activation_entropy: Finite = None
    activation_histogram: ActivationHistogram | None = None
    weight_change: Finite = None
    # Seed 004's recorder's own verdict (None when it gave none).
    has_vanishing_gradients: bool | None = None


class LayerHealthBlock(Record):
    layers: dict[str, LayerHealth] = {}


class CarbonBlock(Record):
    epoch_energy_kwh: Finite = None
    epoch_co2_kg: Finite = None
    power_draw_watts: Finite = None
    method: str | None = None
    gpu_power_note: str | None = None
    # How the figures were made: process CPU seconds, and the grid's carbon intensity.
    cpu_seconds: Finite = None
    carbon_intensity_g_per_kwh: Finite = None


class EpochRecord(Record):
    """One epoch of one trial. `epoch` is 0-based."""

    epoch: int | None = None
    duration_seconds: Finite = None
    loss: LossBlock = LossBlock()
    accuracy: AccuracyBlock = AccuracyBlock()
    optimizer: OptimizerBlock = OptimizerBlock()
    throughput: ThroughputBlock = ThroughputBlock()
    memory: MemoryBlock = MemoryBlock()
    system: SystemBlock = SystemBlock()
    device: DeviceBlock = DeviceBlock()
    profiler: ProfilerBlock = ProfilerBlock()
    layer_health: LayerHealthBlock = LayerHealthBlock()
    carbon_emissions: CarbonBlock = CarbonBlock()
    observer_overhead_seconds: Finite = None

    @property
    def layers(self) -> dict[str, LayerHealth]:
        return self.layer_health.layers


def read_epochs(data: object) -> list[EpochRecord]:
    """observer.json's list of epoch records, validated (SchemaError names what was wrong)."""
    if not isinstance(data, list):
        raise SchemaError(f"epoch records must be a list, got {type(data).__name__}")
    return [item if isinstance(item, EpochRecord) else EpochRecord.from_json(item) for item in data]
