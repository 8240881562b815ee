"""metadata.json: the study's configuration, phase and one record per optimization run.

It is rewritten atomically after every run, so a killed study loses at most the run in
progress, and `healthopt study --study-id ID` (or the server on restart) resumes from it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from healthopt.jsonio import json_safe, write_json_atomic
from healthopt.study.config import StudyConfig

# Phases, in order. "built": phase 1a finished, phase 1b not started (or finished earlier
# and may be run again with other modules).
PHASES = ("building", "built", "analyzing", "analyzed")
# What the study is doing in its phase.
STATES = ("pending", "running", "completed", "failed", "cancelled", "interrupted")
RUN_STATES = ("pending", "running", "completed", "failed")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunRecord:
    """One optimization of the study (or of its ablation) and its selected model."""

    mode: str
    index: int
    seed: int
    run_dir: str  # relative to the study folder
    kind: str = "study"  # "study" or "ablation"
    component: str | None = None  # ablation: the one health component scored
    status: str = "pending"
    error: str | None = None
    trials_done: int = 0
    trials_total: int = 0
    best_trial: int | None = None
    val_accuracy: float | None = None
    test_accuracy: float | None = None
    health_score: float | None = None  # the six components by seed 002's default shares
    total_score: float | None = None
    num_parameters: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    model_path: str | None = None  # relative to the study folder

    @property
    def key(self) -> str:
        if self.kind == "ablation":
            return f"ablation:{self.component}"
        return f"{self.mode}:{self.index}"

    @property
    def label(self) -> str:
        if self.kind == "ablation":
            return f"ablation {self.component}"
        return f"{self.mode} run {self.index}"

    @property
    def completed(self) -> bool:
        return self.status == "completed" and self.model_path is not None

    def with_updates(self, **changes: Any) -> RunRecord:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return json_safe(asdict(self))


@dataclass(frozen=True)
class StudyMetadata:
    study_id: str
    config: dict[str, Any]
    phase: str = "building"
    state: str = "pending"
    error: str | None = None
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    runs: list[RunRecord] = field(default_factory=list)
    modules_requested: list[str] = field(default_factory=list)
    modules_completed: list[str] = field(default_factory=list)
    report_seconds: float | None = None

    @property
    def study_config(self) -> StudyConfig:
        return StudyConfig.from_dict(self.config)

    def runs_of(self, mode: str, kind: str = "study") -> list[RunRecord]:
        return sorted(
            (r for r in self.runs if r.mode == mode and r.kind == kind), key=lambda r: r.index
        )

    def ablation_runs(self) -> list[RunRecord]:
        return [r for r in self.runs if r.kind == "ablation"]

    def with_run(self, record: RunRecord) -> StudyMetadata:
        """A copy where `record` replaces the run with the same key (or is added)."""
        runs = [r for r in self.runs if r.key != record.key] + [record]
        return replace(self, runs=runs, updated_at=now())

    def with_updates(self, **changes: Any) -> StudyMetadata:
        return replace(self, **changes, updated_at=now())

    def to_dict(self) -> dict[str, Any]:
        payload = json_safe(asdict(self))
        payload["runs"] = [r.to_dict() for r in self.runs]
        return payload

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StudyMetadata:
        values = dict(data)
        values["runs"] = [RunRecord(**r) for r in values.get("runs", [])]
        return cls(**values)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, self.to_dict())

    @classmethod
    def read(cls, path: Path) -> StudyMetadata:
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{path} is not a study's metadata.json: {exc}") from exc
