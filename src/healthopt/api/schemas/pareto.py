"""Response body of the Pareto resource: every completed trial of a pareto run on the two
objectives, with Optuna's front and the member the run chose."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Objective = Literal["val_accuracy", "health"]
OBJECTIVES: tuple[Objective, ...] = ("val_accuracy", "health")  # the study's directions' order


class ParetoPoint(BaseModel):
    """One completed trial, placed on the two objectives."""

    trial: int
    val_accuracy: float
    health: float = Field(
        description="the skill-gated health term the study maximised (the trial's "
        "score.health); 0 when it could not be computed, as the study itself counts it"
    )
    test_accuracy: float | None
    total_score: float | None = Field(description="the weighted total under the run's weights")
    num_parameters: int
    on_front: bool = Field(description="a member of the Pareto front (Optuna's best_trials)")
    chosen: bool = Field(description="the front member assembled as optimized_model/")
    model_url: str | None = Field(
        description="where the trial's .keras model downloads; null when it kept no model file"
    )


class ParetoView(BaseModel):
    """A pareto run's trials on (val accuracy, health), its front and its stated choice."""

    job_id: str
    run_name: str
    objectives: list[Objective] = Field(
        description="the two maximised objectives, in Optuna's order"
    )
    points: list[ParetoPoint] = Field(description="every completed trial, by trial number")
    front: list[int] = Field(description="the front's trial numbers, ascending")
    chosen_trial: int | None
    rule: str | None = Field(description='"pareto_weights" or "pareto_knee"')
    rule_description: str | None
