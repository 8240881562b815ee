"""metadata.json: the study's configuration, phase and one record per optimization run.

It is rewritten atomically after every run, so a killed study loses at most the run in
progress, and `healthopt study --study-id ID` (or the server on restart) resumes from it.
A run's mode is written by its arm's name (`study.config.ARM_NAMES`), as it always was, so
files written before records were typed load unchanged (`records.study.RunRecord`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field

from healthopt.jsonio import write_json_atomic
from healthopt.records import Finite, Mode, Record

# A run's record is part of results.json too, so it lives with the study's records.
from healthopt.records.study import RunRecord as RunRecord
from healthopt.study.config import StudyConfig

# Phases, in order. "built": phase 1a finished, phase 1b not started (or finished earlier
# and may be run again with other modules).
PHASES = ("building", "built", "analyzing", "analyzed")
# What the study is doing in its phase.
STATES = ("pending", "running", "completed", "failed", "cancelled", "interrupted")
RUN_STATES = ("pending", "running", "completed", "failed")
Phase = Literal["building", "built", "analyzing", "analyzed"]
State = Literal["pending", "running", "completed", "failed", "cancelled", "interrupted"]
RunState = Literal["pending", "running", "completed", "failed"]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StudyMetadata(Record):
    """The whole of metadata.json. `config` stays StudyConfig's plain dict: StudyConfig
    validates it (`study_config`) and the API shows it as stored."""

    study_id: str
    config: dict[str, Any]
    phase: Phase = "building"
    state: State = "pending"
    error: str | None = None
    created_at: str = Field(default_factory=now)
    updated_at: str = Field(default_factory=now)
    runs: list[RunRecord] = []
    modules_requested: list[str] = []
    modules_completed: list[str] = []
    report_seconds: Finite = None

    @property
    def study_config(self) -> StudyConfig:
        return StudyConfig.from_dict(self.config)

    def runs_of(self, mode: Mode, kind: str = "study") -> list[RunRecord]:
        wanted = Mode(mode)  # an arm's on-disk name here would silently match nothing
        return sorted(
            (r for r in self.runs if r.mode is wanted and r.kind == kind), key=lambda r: r.index
        )

    def ablation_runs(self) -> list[RunRecord]:
        return [r for r in self.runs if r.kind == "ablation"]

    def with_run(self, record: RunRecord) -> StudyMetadata:
        """A copy where `record` replaces the run with the same key (or is added)."""
        runs = [r for r in self.runs if r.key != record.key] + [record]
        return self.with_updates(runs=runs)

    def with_updates(self, **changes: Any) -> Self:
        """A validated copy with `changes`, stamped now (model_copy would skip validation)."""
        return self.model_validate({**self.model_dump(), "updated_at": now(), **changes})

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, self.to_json())

    @classmethod
    def read(cls, path: Path) -> StudyMetadata:
        try:
            return cls.from_json(path.read_bytes())
        except ValueError as exc:
            raise ValueError(f"{path} is not a study's metadata.json: {exc}") from exc
