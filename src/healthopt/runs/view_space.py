"""The search space a run's views replay its trials in: Optuna's distributions per param, read
from the run's study.db when it is there and inferred from the trials' values otherwise (a run
whose study lived in PostgreSQL), plus the derived `learning_rate` that stands for whichever
optimizer's rate a trial had."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from healthopt.records import RunResults, TrialRecord
from healthopt.runs.impact import LEARNING_RATE, learning_rate_of
from healthopt.runs.index import RunFolder

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution

STUDY_FILE = "study.db"


def stored_distributions(
    run: RunFolder, results: RunResults
) -> tuple[dict[int, dict[str, BaseDistribution]], list[str]]:
    """Trial number -> the distributions Optuna recorded in the run's study.db, and a note when
    they had to be inferred from the values instead (no study.db: a PostgreSQL run)."""
    import optuna
    from sqlalchemy.exc import SQLAlchemyError

    path = run.path / STUDY_FILE
    if not path.is_file():
        return {}, [
            f"{run.name} has no {STUDY_FILE} (its study may have lived in another storage): "
            "the search space is inferred from the trials' values"
        ]
    storage = f"sqlite:///{path.resolve()}"
    names = dict.fromkeys((results.run_name, run.name))  # the study is named after the run
    problem = ""
    for name in names:
        try:
            study = optuna.load_study(study_name=name, storage=storage)
            return {t.number: dict(t.distributions) for t in study.get_trials(deepcopy=False)}, []
        except KeyError:
            problem = f"no study named {name!r} in it"
        except (SQLAlchemyError, RuntimeError, ValueError, OSError) as exc:
            problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            break
    return {}, [
        f"{run.name}/{STUDY_FILE} could not be read ({problem}): the search space is inferred "
        "from the trials' values"
    ]


def with_learning_rate(params: dict[str, Any]) -> dict[str, Any]:
    """The trial's params plus the derived `learning_rate` (when it has one and no own)."""
    if LEARNING_RATE in params:
        return dict(params)
    rate = learning_rate_of(params)
    return dict(params) if rate is None or rate <= 0 else {**params, LEARNING_RATE: rate}


def run_distributions(
    trials: Sequence[TrialRecord],
    params: Sequence[dict[str, Any]],
    stored: dict[int, dict[str, BaseDistribution]],
) -> dict[str, BaseDistribution]:
    """One distribution per param for the whole run: the stored one when every trial that has
    the param recorded the same one and it holds every value, else inferred from the values
    (Optuna's importance refuses a param whose distribution changes between trials)."""
    values: dict[str, list[Any]] = {}
    for p in params:
        for name, value in p.items():
            if value is not None:
                values.setdefault(name, []).append(value)
    recorded: dict[str, list[BaseDistribution]] = {}
    for trial in trials:
        for name, distribution in stored.get(trial.number, {}).items():
            recorded.setdefault(name, []).append(distribution)
    chosen: dict[str, BaseDistribution] = {}
    for name, seen in values.items():
        candidates = recorded.get(name, [])
        if (
            candidates
            and all(d == candidates[0] for d in candidates)
            and _holds(candidates[0], seen)
        ):
            chosen[name] = candidates[0]
        elif name == LEARNING_RATE and name not in recorded:
            chosen[name] = _learning_rate_distribution(seen, recorded)
        else:
            chosen[name] = infer_distribution(name, seen)
    return chosen


def _holds(distribution: BaseDistribution, values: Sequence[Any]) -> bool:
    try:
        return all(distribution._contains(distribution.to_internal_repr(v)) for v in values)
    except (ValueError, TypeError):
        return False


def _learning_rate_distribution(
    values: Sequence[Any], recorded: dict[str, list[BaseDistribution]]
) -> BaseDistribution:
    """The derived rate's range: the union of the searched rates' ranges when they are known
    (the space, not only where the trials landed), log scale."""
    from optuna.distributions import FloatDistribution

    lows = [float(v) for v in values]
    highs = list(lows)
    for name, seen in recorded.items():
        if name.endswith("_learning_rate"):
            for distribution in seen:
                if isinstance(distribution, FloatDistribution):
                    lows.append(distribution.low)
                    highs.append(distribution.high)
    return FloatDistribution(min(lows), max(highs), log=True)


def infer_distribution(name: str, values: Sequence[Any]) -> BaseDistribution:
    """A distribution that holds `values`: categorical for text and booleans, int for whole
    numbers, float otherwise (log scale for a positive learning rate)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    if any(isinstance(v, (bool, str)) or not isinstance(v, (int, float)) for v in values):
        return CategoricalDistribution(sorted(set(values), key=lambda v: (str(type(v)), str(v))))
    if all(isinstance(v, int) for v in values):
        return IntDistribution(int(min(values)), int(max(values)))
    low, high = float(min(values)), float(max(values))
    return FloatDistribution(low, high, log=low > 0 and name.endswith("learning_rate"))
