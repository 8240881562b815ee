"""The typed records every part of healthopt reads and writes, at the bottom of the import graph.

No TensorFlow, no Optuna, nothing from the rest of healthopt: `tests/records/test_imports.py`
holds it to that. Each record has one `from_json` and one `to_json`; files of their own carry
a `schema_version` (policy in `records.base`).
"""

from healthopt.records.architecture import (
    ARCH_TYPES,
    ArchitectureSummary,
    GraphNode,
    LayerGraph,
    LayerSummary,
)
from healthopt.records.base import Finite, Record, SchemaError, VersionedRecord, finite_or_none
from healthopt.records.baselines import BaselineScore, RunBaselines
from healthopt.records.epoch import EpochRecord, LayerHealth, read_epochs
from healthopt.records.health import HEALTH_COMPONENTS, HealthComponent, HealthValues
from healthopt.records.logs import LogEntry
from healthopt.records.mode import Mode
from healthopt.records.progress import (
    EpochEndEvent,
    EpochJudge,
    NoticeEvent,
    PlotsDrawnEvent,
    ProgressCallback,
    RunEvent,
    RunFinishedEvent,
    RunStartedEvent,
    TrialFinishedEvent,
    TrialStartedEvent,
    read_event,
)
from healthopt.records.pruning import PRUNED, ComputeSummary, HealthAlarm, PruneInfo
from healthopt.records.run import RunResults, ScoringWeightsRecord, Selection
from healthopt.records.study import (
    ExecutiveSummary,
    HypothesisTest,
    ModeComparison,
    ModuleData,
    ModuleOutcome,
    ResultFigure,
    ResultTable,
    SelectedModel,
    StudyResults,
)
from healthopt.records.trial import (
    COMPLETE,
    FAIL,
    AnalysisSummary,
    DiagnosticsSummary,
    ScoreParts,
    StoredArtifact,
    TrialMetrics,
    TrialRecord,
    TrialResult,
    TrialSpec,
)
from healthopt.records.trial_level import (
    SelectionRow,
    SelectionSimulation,
    SignalTest,
    TrialLevelData,
    TrialLevelStage,
    TrialPoint,
)

__all__ = [
    "BaselineScore",
    "RunBaselines",
    "ARCH_TYPES",
    "COMPLETE",
    "FAIL",
    "PRUNED",
    "ComputeSummary",
    "HealthAlarm",
    "PruneInfo",
    "HEALTH_COMPONENTS",
    "AnalysisSummary",
    "ArchitectureSummary",
    "DiagnosticsSummary",
    "EpochEndEvent",
    "EpochRecord",
    "ExecutiveSummary",
    "Finite",
    "GraphNode",
    "HealthComponent",
    "HealthValues",
    "HypothesisTest",
    "LayerGraph",
    "LayerHealth",
    "LayerSummary",
    "LogEntry",
    "Mode",
    "ModeComparison",
    "ModuleData",
    "ModuleOutcome",
    "NoticeEvent",
    "PlotsDrawnEvent",
    "EpochJudge",
    "ProgressCallback",
    "Record",
    "ResultFigure",
    "ResultTable",
    "RunEvent",
    "RunFinishedEvent",
    "RunResults",
    "RunStartedEvent",
    "SchemaError",
    "ScoreParts",
    "ScoringWeightsRecord",
    "Selection",
    "SelectedModel",
    "StoredArtifact",
    "StudyResults",
    "SelectionRow",
    "SelectionSimulation",
    "SignalTest",
    "TrialFinishedEvent",
    "TrialLevelData",
    "TrialLevelStage",
    "TrialPoint",
    "TrialMetrics",
    "TrialRecord",
    "TrialResult",
    "TrialSpec",
    "TrialStartedEvent",
    "VersionedRecord",
    "finite_or_none",
    "read_epochs",
    "read_event",
]
