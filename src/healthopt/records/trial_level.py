"""The trial-level study module's results (`study.modules.trial_level`), as results.json holds them.

The run-level comparison has one selected model per run; this module asks its question of every
trial that learned. Its records keep every trial it used (`TrialPoint`), so each correlation
and the selection simulation can be recomputed from results.json alone.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from healthopt.records.base import Finite
from healthopt.records.study import ArmMode, HypothesisTest, ModuleData, SampleStats, StudyRecord

Stage = Literal["all", "discovery", "confirmation"]


class TrialPoint(StudyRecord):
    """One trial that learned: its accuracies and the value of every pre-stated signal."""

    source: str = Field(
        description='"<run> trial <n>" of the run where this model was first seen; a run of '
        "another arm with the same seed that trained the same configuration shares it"
    )
    run: str
    mode: ArmMode
    seed: int = Field(description="the run's seed")
    number: int
    val_accuracy: float
    holdout_accuracy: float
    chance_accuracy: float
    signals: dict[str, Finite]


class SignalTest(StudyRecord):
    """Partial Spearman correlation of one signal with holdout accuracy given val accuracy."""

    signal: str
    n: int = Field(description="trials with the signal measured")
    rho: Finite
    statistic: Finite = Field(description="t with n - 3 degrees of freedom")
    df: int | None
    p_value: Finite = Field(description="two-sided; None when the correlation is undefined")
    holm_p: Finite = Field(description="Holm-adjusted over the stage's family of hypotheses")
    significant: bool = Field(description="holm_p below alpha")
    note: str = ""


class TrialLevelStage(StudyRecord):
    """The tests of one stage: every trial, the discovery runs, or the confirmation runs."""

    name: Stage
    seeds: list[int] = Field(description="run seeds whose trials this stage uses")
    trials: int
    possible: bool
    note: str = ""
    tests: list[SignalTest] = []

    def significant(self) -> list[SignalTest]:
        return [t for t in self.tests if t.significant]


class SelectionRow(StudyRecord):
    """One run: its healthiest trial within the margin against its most accurate one."""

    run: str
    candidates: int = Field(description="trials within the margin of the best val accuracy")
    healthiest: str
    most_accurate: str
    healthiest_holdout: float
    most_accurate_holdout: float
    difference: float = Field(description="healthiest minus most accurate, on the holdout")


class SelectionSimulation(StudyRecord):
    """How often, and by how much, the healthiest trial near the top beats the most accurate."""

    accuracy_margin: float
    runs: int = Field(description="runs compared, each comparison of two models counted once")
    repeated: int = Field(description="runs that compared the same two models as an earlier run")
    without_health: int = Field(description="runs with no candidate whose health was measured")
    same_trial: int
    wins: int
    ties: int = Field(description="different trials with equal holdout accuracy")
    losses: int
    difference: SampleStats = Field(description="healthiest minus most accurate, over runs")
    test: HypothesisTest = Field(description="Wilcoxon signed-rank over runs where they differ")
    rows: list[SelectionRow]


class TrialLevelData(ModuleData):
    """What the trial-level module measured (`study.modules.trial_level`)."""

    hypotheses: list[str] = Field(description="the signals tested, stated before looking")
    alternative: Literal["two-sided"] = "two-sided"
    alpha: float
    chance_margin: float = Field(description="of the way from chance to 1: the 'learned' bar")
    holdout_size: int
    runs: int = Field(description="study runs whose trials were read")
    trials_complete: int = Field(description="completed trials with a val accuracy, every run")
    trials_learned: int = Field(description="distinct models above the bar, with a holdout score")
    repeated_trials: int = Field(description="learned trials that repeat an earlier run's model")
    models_missing: int = Field(description="learned trials whose saved model was not found")
    stages: list[TrialLevelStage]
    selection: SelectionSimulation
    conclusion: str
    trials: list[TrialPoint]
