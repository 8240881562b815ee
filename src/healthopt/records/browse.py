"""What browsing a results folder shows: one line per run, one run in full, one trial's files.

`healthopt.runs` builds these from run folders (`runs.summary`, `runs.trial_detail`); the API
serves them as they are (`GET /runs`, `GET /runs/{run}`) or inside its own bodies
(`TrialDetail`). A run whose results.json cannot be read is still a run: its summary says
why in `error`, never an empty run that looks fine.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from healthopt.records.base import Finite, Record
from healthopt.records.baselines import RunBaselines
from healthopt.records.pruning import ComputeSummary
from healthopt.records.run import ScoringWeightsRecord, Selection

RunSource = Literal["job", "cli"]


class JobInfo(Record):
    """The server's job that made a run folder: its id and status (the jobs table's row)."""

    job_id: str
    status: str
    finished: bool = Field(description="the job is over (completed, failed or cancelled)")


class RunSummary(Record):
    """One run folder at a glance: what it searched, how far it got, its best trial.

    Interrupted trials (re-run when the run resumes) count in none of the trial counts, so
    `trials_complete + trials_pruned + trials_failed == trials_finished`.
    """

    name: str = Field(description="the run folder's name: the key of /runs/{run}")
    dataset: str | None = None
    mode: str | None = None
    source: RunSource = Field(
        description='"job" when one of this server\'s jobs wrote the folder, "cli" otherwise'
    )
    job_id: str | None = None
    job_status: str | None = None
    finished: bool = Field(
        description="the run is over: its job ended, or (a CLI run) its best model was "
        "assembled or every requested trial finished"
    )
    trials_requested: int | None = None
    trials_finished: int = 0
    trials_complete: int = 0
    trials_pruned: int = 0
    trials_failed: int = 0
    best_trial: int | None = None
    best_value: Finite = None
    best_val_accuracy: Finite = None
    best_health_score: Finite = Field(
        None, description="the best trial's composite health in [0, 1]"
    )
    modified: str = Field(description="when the run last wrote results, ISO 8601 in UTC")
    error: str | None = Field(
        None, description="why the run's results.json or config.json could not be read"
    )


class RunDetail(Record):
    """One run in full: its summary, its settings as stored, and how it chose its best trial.

    Everything but `summary` and `settings` is results.json's, so it is empty before the
    first trial finished.
    """

    summary: RunSummary
    settings: dict[str, Any] = Field(
        description="config.json as the run stored it (secrets already redacted)"
    )
    scoring_weights: ScoringWeightsRecord | None = None
    selection: Selection | None = None
    compute: ComputeSummary | None = None
    pareto_front: list[int] | None = None
    ranking: list[int] = Field(
        default_factory=list, description="completed trial numbers, the chosen one first"
    )
    baselines: RunBaselines | None = None


class TrialFiles(Record):
    """What one trial folder holds beyond its record: learning curves, plots, a model."""

    learning_curves: dict[str, list[Finite]] = Field(
        default_factory=dict,
        description="history.json: metric -> one value per epoch (None where it was not finite)",
    )
    plots: list[str] = Field(
        default_factory=list, description="file names of the trial's plots (plots/trial_N/)"
    )
    has_model: bool = False
    has_monitoring: bool = Field(
        False, description="the trial recorded layer monitoring (observer.json)"
    )
    notes: list[str] = Field(default_factory=list, description="what is missing, and why")
