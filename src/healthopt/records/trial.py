"""What one trial is and produced: the worker's `TrialSpec` and `TrialResult`, and the
`TrialRecord` results.json shows for it.

`TrialSpec` and `TrialResult` are the only things that cross a process or network boundary
(local worker process, RunPod worker), so both are versioned and round-trip through JSON.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from healthopt.records.base import Finite, Record, VersionedRecord
from healthopt.records.health import HealthValues
from healthopt.records.pruning import PRUNED, PruneInfo

COMPLETE = "COMPLETE"
FAIL = "FAIL"
TrialState = Literal["COMPLETE", "FAIL", "PRUNED", "RUNNING", "WAITING"]
# An Optuna parameter value (`trial.params`); the search space decides the names.
ParamValue = int | float | str | bool | None


class TrialMetrics(Record):
    """The trained model's accuracy and loss; None when the trial did not get that far."""

    val_accuracy: Finite = None
    val_loss: Finite = None
    test_accuracy: Finite = None
    test_loss: Finite = None
    train_accuracy: Finite = None
    train_loss: Finite = None
    # The validation split's majority-class rate: what a model that learned nothing scores.
    chance_accuracy: Finite = None


class DiagnosticsSummary(Record):
    """The diagnostics engine's short verdict; diagnostics.json holds the full report."""

    health_score: int | None = Field(None, description="0-100; None when the engine did not run")
    issue_count: int = 0
    severity_counts: dict[str, int] = {}
    arch_type: str | None = None
    arch_type_source: str | None = Field(
        None, description='"recorded", "detected" (from the layers) or "none"'
    )
    checks_run: int | None = None
    checks_skipped: list[dict[str, str]] = Field(
        [], description='{"check", "needs"}: checks that did not run, and the inputs they lacked'
    )


class AnalysisSummary(Record):
    """The model analyzer's summary in flat numbers; None where an analysis did not run,
    `skipped` says why and `errors` names a step that failed."""

    parameters: int | None = None
    mean_alpha: Finite = None
    median_alpha: Finite = None
    spectral_status: str | None = None
    spectral_layers: int | None = None
    mean_stable_rank: Finite = None
    mean_concentration: Finite = None
    under_trained_layers: list[str] = []
    over_trained_layers: list[str] = []
    recommendations: list[str] = []
    accuracy: Finite = None
    ece: Finite = None
    brier: Finite = None
    mean_confidence: Finite = None
    mean_entropy: Finite = None
    mean_weight_health: Finite = None
    min_weight_health: Finite = None
    weakest_layer: str | None = None
    mean_effective_rank: Finite = None
    mean_dead_fraction: Finite = None
    min_specialization: Finite = None
    overfitting_index: Finite = None
    accuracy_gap: Finite = None
    overfitting: bool | None = None
    peak_val_accuracy: Finite = None
    epochs_to_convergence: int | None = None
    val_loss_std: Finite = None
    skipped: dict[str, str] = {}
    errors: dict[str, str] = {}


class StoredArtifact(Record):
    """Where a remote worker stored the trial's ZIP, and what its bytes hash to."""

    key: str
    sha256: str
    size_bytes: int
    store: str | None = None
    file_count: int | None = None
    plot_count: int | None = None
    uncompressed_bytes: int | None = None
    # Provenance only: the RunPod job that stored it. Nothing reads it as control data; the
    # orchestrator learns job ids on the executors' control channel.
    runpod_job_id: str | None = None


def _no_artifact(value: Any) -> Any:
    """Results written before versioning give a locally run trial's artifact as {}."""
    return None if value == {} else value


# None when the trial's files stay where it ran (a local trial).
OptionalArtifact = Annotated[StoredArtifact | None, BeforeValidator(_no_artifact)]


class ScoreParts(Record):
    """How a total score was made (`healthopt.health.scoring`).

    `health` is the health term used: `skill * raw_health`, where `raw_health` mixes the
    components by `component_weights_used` (a missing one counts as 0) and `skill` is how far
    the val accuracy got from `chance_accuracy` towards 1. `rule` names how the total was made.
    Scores written before issue 20 have no rule: their health was not gated by skill.
    """

    health: Finite = None
    component_weights_used: dict[str, float] = {}
    missing_components: list[str] = []
    raw_health: Finite = None
    skill: Finite = None
    chance_accuracy: Finite = None
    rule: str | None = None
    total: Finite = None  # the weighted total; Optuna's value too except in pareto mode


class TrialSpec(VersionedRecord):
    """Everything a worker needs to run one trial, and nothing it would have to guess.

    Version 2 added `hypermodel`: a version-1 worker refuses such a spec (newer than it reads)
    instead of training the built-in model in its place.
    """

    SCHEMA_VERSION = 2

    run_name: str
    trial_number: int
    dataset_name: str
    split_seed: int
    seed: int
    epochs: int
    # "model_config" on the wire; pydantic reserves that attribute name for itself.
    model_settings: dict[str, Any] = Field(alias="model_config")
    params: dict[str, ParamValue]
    output_dir: str
    plots_dir: str | None = None  # where the worker draws the trial plots; None: no plots
    gpus_per_worker: int = 1  # above 1, training is mirrored over that many visible GPUs
    # The worker checks each epoch's records for a reason to stop (`diagnostics.live`).
    health_pruning: bool = False
    chance_patience_epochs: int = 3  # epochs a model may stay at chance before it is stopped
    # A user's build(hp) as "module:function": the worker imports it and replays `params` into
    # it (`healthopt.hypermodel`); `model_config` then holds only the training settings.
    # None: the built-in model `model_config` describes.
    hypermodel: str | None = None
    # Layer monitoring's frequency (`healthopt.monitoring`); None: its default for the epochs.
    monitor_every_epochs: int | None = Field(None, ge=1)


class TrialResult(VersionedRecord):
    """What a trial produced: its state, metrics, timings, and the files it wrote.

    `artifacts` maps a role (model, history, observer, ...) to a path relative to the trial's
    output directory, so the result stays valid wherever that directory is moved. `health`
    holds the six components (None where not computable, with the reason in
    `health_reasons`). `artifact` describes the trial's ZIP in an artifact store when a
    remote worker ran it, so any orchestrator can fetch the files again.
    """

    SCHEMA_VERSION = 1

    trial_number: int
    state: Literal["COMPLETE", "FAIL", "PRUNED"]
    metrics: TrialMetrics = TrialMetrics()
    timings: dict[str, float] = {}
    epochs_run: int = 0
    num_parameters: int = 0
    artifacts: dict[str, str] = {}
    health: HealthValues = HealthValues()
    health_reasons: dict[str, str] = {}
    diagnostics: DiagnosticsSummary = DiagnosticsSummary()
    analysis: AnalysisSummary = AnalysisSummary()
    error: str | None = None
    artifact: OptionalArtifact = None
    pruned: PruneInfo | None = None  # set when state is PRUNED
    energy_kwh: Finite = None  # the energy module's estimate, summed over the epochs run
    # The saved model.keras's hex SHA-256, taken when the trial saved it, so a model changed on
    # disk afterwards is never shipped (`artifacts.integrity`); None: no model, or saved before
    # hashes were recorded.
    model_sha256: str | None = None

    @property
    def ok(self) -> bool:
        return self.state == COMPLETE

    @classmethod
    def pruned_at(cls, trial_number: int, prune: PruneInfo, **extra: Any) -> TrialResult:
        """A trial stopped early: what it trained so far is kept, it is never scored."""
        return cls.create(trial_number=trial_number, state=PRUNED, pruned=prune, **extra)

    @classmethod
    def failed(cls, trial_number: int, error: str, **extra: Any) -> TrialResult:
        return cls.create(trial_number=trial_number, state=FAIL, error=error, **extra)


class TrialRecord(Record):
    """One finished trial as results.json shows it.

    `total_score` (= `value` outside pareto mode) recomputes exactly from `health`,
    `metrics.val_accuracy`, `metrics.chance_accuracy` and the run's scoring weights
    (`healthopt.health.scoring.total_score`); `score` says which rule applied.
    """

    number: int
    state: str = Field(description="COMPLETE, FAIL or PRUNED")
    value: Finite = None
    # Pareto mode: Optuna's objective values, [val_accuracy, health term]; `value` is None.
    values: list[float] | None = None
    params: dict[str, ParamValue] = {}
    metrics: TrialMetrics = TrialMetrics()
    timings: dict[str, float] = {}
    epochs_run: int = 0
    num_parameters: int = 0
    health: HealthValues = HealthValues()
    health_reasons: dict[str, str] = {}
    total_score: Finite = None
    diagnostics: DiagnosticsSummary = DiagnosticsSummary()
    analysis: AnalysisSummary = AnalysisSummary()
    artifact: OptionalArtifact = None
    score: ScoreParts | None = None
    error: str | None = None
    interrupted: bool = False
    pruned: PruneInfo | None = None
    energy_kwh: Finite = None
    model_sha256: str | None = Field(
        None,
        description="hex SHA-256 of the trial's model.keras when it was saved; assembly and "
        "downloads check the file against it. None: no model, or saved before hashes were kept",
    )
    started: str | None = Field(
        None,
        description="when the trial started, ISO 8601 in UTC (Optuna's datetime_start); None "
        "in results written before start times were recorded",
    )
    finished: str | None = Field(
        None,
        description="when the trial finished, ISO 8601 in UTC (Optuna's datetime_complete); "
        "None in results written before finish times were recorded",
    )

    @property
    def complete(self) -> bool:
        return self.state == COMPLETE
