"""The comparison study's results.json: summary, selected models, module outcomes and tests.

One record set serves the analysis that writes the file, the PDF report that reads it and the
API that serves it, so the three cannot drift apart.

A study's two arms are `Mode`s in code; on disk (run folders, metadata.json, results.json)
they keep the names studies have always had, `ARM_NAMES`. `ArmMode` is that field type: a
`Mode` in Python, the arm's name in JSON, and either spelling read.

Versioning (`records.base`): results.json written before it was versioned is version 0 and
loads unchanged. Version 1 adds only `schema_version`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    SerializeAsAny,
    Tag,
    WithJsonSchema,
    model_validator,
)

from healthopt.records.base import Finite, Record, VersionedRecord
from healthopt.records.mode import Mode
from healthopt.records.run import ScoringWeightsRecord
from healthopt.records.trial import ParamValue

Arm = Literal["accuracy_only", "health_aware"]
ARM_NAMES: dict[Mode, Arm] = {Mode.SIMPLE: "accuracy_only", Mode.HEALTH_AWARE: "health_aware"}


def arm_name(mode: Mode) -> Arm:
    """The arm's name on disk: `health_aware` for `Mode.HEALTH_AWARE`."""
    return ARM_NAMES[mode]


def arm_mode(name: str) -> Mode:
    """The mode an arm's on-disk name (or the mode's own spelling) stands for."""
    for mode, arm in ARM_NAMES.items():
        if name == arm:
            return mode
    try:
        return Mode(name)
    except ValueError:
        raise ValueError(
            f"not a study mode: {name!r} (expected {' or '.join(ARM_NAMES.values())})"
        ) from None


def _read_arm(value: Any) -> Any:
    return arm_mode(value) if isinstance(value, str) and not isinstance(value, Mode) else value


# A study arm: `Mode` in code, its arm name in JSON (and in the OpenAPI schema).
ArmMode = Annotated[
    Mode,
    BeforeValidator(_read_arm),
    PlainSerializer(arm_name, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "enum": list(ARM_NAMES.values())}),
]


class StudyRecord(Record):
    """A part of results.json: every field is written, so the API schema marks all required."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


# -- statistics -------------------------------------------------------------------------------
class HypothesisTest(StudyRecord):
    """One test (`study.stats.TestResult`); p_value is None when the test is undefined."""

    name: str
    statistic: Finite
    p_value: Finite
    n_a: int
    n_b: int
    df: Finite = None
    note: str = ""
    significant: bool
    alpha: float


class SampleStats(StudyRecord):
    """One sample's n, mean, standard deviation and the t-interval of its mean."""

    n: int
    mean: Finite
    std: Finite
    ci_low: Finite
    ci_high: Finite


class ModeComparison(StudyRecord):
    """Metric b (health-aware) versus a (accuracy-only): `study.stats.Comparison`."""

    metric: str
    a: SampleStats
    b: SampleStats
    difference: Finite
    ci_low: Finite
    ci_high: Finite
    effect_size: Finite
    primary: HypothesisTest
    secondary: HypothesisTest
    paired: bool
    effect_size_name: Literal["cohens_d", "cohens_dz"]
    significant: bool


def _test_kind(value: Any) -> str:
    has_primary = "primary" in value if isinstance(value, dict) else hasattr(value, "primary")
    return "comparison" if has_primary else "test"


# A module's `tests` entry: a comparison of the modes over runs, or a single test.
StudyTest = Annotated[
    Annotated[ModeComparison, Tag("comparison")] | Annotated[HypothesisTest, Tag("test")],
    Discriminator(_test_kind),
]

# -- what a module reports ---------------------------------------------------------------------
# A table cell; numbers stay numbers (the report and the dashboard format them).
Cell = str | float | int | None


class ResultTable(StudyRecord):
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""

    @model_validator(mode="after")
    def _rows_fit(self) -> Self:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.title!r}: a row has {len(row)} cells for "
                    f"{len(self.columns)} columns"
                )
        return self


class ResultFigure(StudyRecord):
    path: str = Field(description="relative to analysis_results/")
    caption: str
    # Set by the API only; results.json never holds it.
    url: str | None = Field(
        None, description="where the API serves the PNG", exclude_if=lambda v: v is None
    )


class ModuleData(Record):
    """A module's measured numbers. Each module writes its own subclass (in its
    `study.modules` file); read back from disk it is this open record, every key kept,
    because the file says which module wrote it only one level up."""


class ModuleError(ModuleData):
    """The data of a module that raised: its error, the rest of the analysis went on."""

    error: str


class ModuleOutcome(StudyRecord):
    """One analysis module's outcome. `available` is False (with `reason`) when the module
    cannot apply to this study, e.g. no related dataset for a transfer test."""

    name: str
    title: str
    available: bool = True
    reason: str | None = None
    summary: list[str] = []
    data: SerializeAsAny[ModuleData] = Field(default_factory=ModuleData)
    tables: list[ResultTable] = []
    figures: list[ResultFigure] = []
    tests: list[StudyTest] = []

    @classmethod
    def unavailable(cls, name: str, title: str, reason: str) -> ModuleOutcome:
        return cls(name=name, title=title, available=False, reason=reason, summary=[reason])


# -- the headline -----------------------------------------------------------------------------
class ExecutiveRow(StudyRecord):
    metric: str
    accuracy_only: Finite
    health_aware: Finite
    difference: Finite = Field(description="health_aware - accuracy_only")
    p_value: Finite
    significant: bool

    def value(self, mode: Mode) -> float | None:
        return self.accuracy_only if mode is Mode.SIMPLE else self.health_aware


class ExecutiveSummary(StudyRecord):
    rows: list[ExecutiveRow]
    winner: ArmMode | None = Field(
        description="named only when the holdout difference is significant"
    )
    verdict: str


class SelectedModel(StudyRecord):
    """A mode's model the study compares, with its holdout accuracy once measured."""

    label: str
    val_accuracy: Finite
    test_accuracy: Finite
    holdout_accuracy: Finite
    health_score: Finite
    total_score: Finite = None
    num_parameters: int | None
    params: dict[str, ParamValue]


class StudyDesign(StudyRecord):
    paired: bool
    search: str
    runs_per_mode: int
    completed_runs: dict[ArmMode, int]
    split_sizes: dict[str, int]
    selection: str
    tests: str


class StudyConfigRecord(StudyRecord):
    """`study.config.StudyConfig` as written (validated where it is made)."""

    dataset_name: str
    runs_per_mode: int
    trials_per_run: int
    max_epochs_per_trial: int
    health_weights: ScoringWeightsRecord
    concurrent_workers: int
    use_runpod_service: bool
    seed: int
    split_seed: int
    ablation_trials: int | None
    transfer_dataset: str | None
    output_dir: str
    study_id: str | None


class RunRecord(StudyRecord):
    """One optimization of the study (or of its ablation) and its selected model."""

    mode: ArmMode
    index: int
    seed: int
    run_dir: str  # relative to the study folder
    kind: Literal["study", "ablation"] = "study"
    component: str | None = None  # ablation: the one health component scored
    status: Literal["pending", "running", "completed", "failed"] = "pending"
    error: str | None = None
    trials_done: int = 0
    trials_total: int = 0
    best_trial: int | None = None
    val_accuracy: Finite = None
    test_accuracy: Finite = None
    health_score: Finite = None  # the six components by seed 002's default shares
    total_score: Finite = None
    num_parameters: int | None = None
    params: dict[str, ParamValue] = {}
    model_path: str | None = None  # relative to the study folder

    def with_updates(self, **changes: Any) -> Self:
        """A validated copy with `changes` (model_copy would skip validation)."""
        return self.model_validate({**self.model_dump(), **changes})

    @property
    def key(self) -> str:
        if self.kind == "ablation":
            return f"ablation:{self.component}"
        return f"{arm_name(self.mode)}:{self.index}"

    @property
    def label(self) -> str:
        if self.kind == "ablation":
            return f"ablation {self.component}"
        return f"{arm_name(self.mode)} run {self.index}"

    @property
    def completed(self) -> bool:
        return self.status == "completed" and self.model_path is not None


class ReportFile(StudyRecord):
    path: str = Field(description="relative to analysis_results/")
    pages: int


class StudyResults(VersionedRecord):
    """analysis_results/results.json as written by phase 1b.

    It is written twice: once when the modules are done, again with `report` (and
    `timings.report_seconds`) once the PDF exists."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)
    SCHEMA_VERSION = 1

    study_id: str
    dataset: str
    generated_at: str
    config: StudyConfigRecord
    hypothesis: str
    design: StudyDesign
    best_models: dict[ArmMode, SelectedModel]
    executive_summary: ExecutiveSummary
    modules_requested: list[str]
    modules: dict[str, ModuleOutcome]
    conclusions: list[str]
    runs: list[RunRecord]
    timings: dict[str, float]
    report: ReportFile | None = Field(None, exclude_if=lambda v: v is None)
