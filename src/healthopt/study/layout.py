"""Where a study keeps its files (seed 002's `comparison_studies/{study_id}/` layout).

{study_id}/metadata.json            config, phase, status, one record per run
{study_id}/accuracy_only/run_{i}/   an ordinary optimization run folder per run
{study_id}/health_aware/run_{i}/
{study_id}/ablation/{component}/    ablation runs (module 6), one per health component
{study_id}/analysis_results/        results.json, progress.json, figures/, report.pdf
{study_id}/logs/                    worker output of the local executor

A mode's folder is its arm's name (`study.config.ARM_NAMES`), as in studies written before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from healthopt.records import Mode
from healthopt.study.config import arm_name

ABLATION_DIR = "ablation"
ANALYSIS_DIR = "analysis_results"


@dataclass(frozen=True)
class StudyPaths:
    root: Path

    @classmethod
    def of(cls, output_dir: str | Path, study_id: str) -> StudyPaths:
        return cls(Path(output_dir) / study_id)

    @property
    def metadata(self) -> Path:
        return self.root / "metadata.json"

    def mode_dir(self, mode: Mode) -> Path:
        return self.root / arm_name(mode)

    @property
    def ablation_dir(self) -> Path:
        return self.root / ABLATION_DIR

    @property
    def analysis_dir(self) -> Path:
        return self.root / ANALYSIS_DIR

    @property
    def figures_dir(self) -> Path:
        return self.analysis_dir / "figures"

    @property
    def results(self) -> Path:
        return self.analysis_dir / "results.json"

    @property
    def progress(self) -> Path:
        return self.analysis_dir / "progress.json"

    @property
    def report(self) -> Path:
        return self.analysis_dir / "report.pdf"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"
