"""Narrowing the built-in search space: fix a parameter, shrink a numeric range, or keep some of
a categorical parameter's choices.

The search space is define-by-run (`models.search_space` asks the trial for each value), so the
narrowing wraps the trial: `NarrowedTrial(trial, narrowing)` answers the selector's
`suggest_*` calls with the narrowed distribution, under the same names, so Optuna records what
was searched. A fixed value is a one-value distribution, never a silent default.
`probe_space` runs a space's `suggest` on a recording trial to learn its parameters, so a preset
naming a parameter the space does not have, or a range outside the space's, is refused before
the run starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from healthopt.records.trial import ParamValue

_KINDS = ("fixed", "ranges", "choices")


class Suggests(Protocol):
    """What a search space asks of an Optuna trial (`models.search_space.SuggestsParameters`)."""

    def suggest_int(self, name: str, low: int, high: int) -> int: ...
    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float: ...
    def suggest_categorical(self, name: str, choices: list) -> Any: ...


@dataclass(frozen=True)
class ParamSeen:
    """One parameter of a space, as its `suggest_*` call asked for it."""

    kind: str  # "int", "float" or "categorical"
    low: float | None = None
    high: float | None = None
    choices: tuple[ParamValue, ...] = ()

    def describe(self) -> str:
        if self.kind == "categorical":
            return f"one of {list(self.choices)}"
        return f"{self.kind} in [{self.low}, {self.high}]"


@dataclass(frozen=True)
class SpaceNarrowing:
    """What a preset's [space] says: `fixed` param -> value, `ranges` param -> (low, high),
    `choices` param -> the choices kept."""

    fixed: dict[str, ParamValue] = field(default_factory=dict)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    choices: dict[str, tuple[ParamValue, ...]] = field(default_factory=dict)

    @property
    def params(self) -> set[str]:
        return set(self.fixed) | set(self.ranges) | set(self.choices)

    def __bool__(self) -> bool:
        return bool(self.params)

    def check(self, spaces: Mapping[str, Mapping[str, ParamSeen]], modality: str) -> list[str]:
        """Refuse (ValueError) a parameter no space has, or a narrowing outside the space it
        is in; returns a note for each parameter only other modalities' spaces have."""
        known = {name for space in spaces.values() for name in space}
        unknown = sorted(self.params - known)
        if unknown:
            raise ValueError(
                f"space: no built-in search space has {', '.join(unknown)} (parameters: "
                f"{', '.join(sorted(known))})"
            )
        for space in spaces.values():
            for name in self.params & set(space):
                self._check_one(name, space[name])
        here = spaces.get(modality, {})
        return [
            f"preset narrows {name}, which the {modality} search space does not have: ignored"
            for name in sorted(self.params - set(here))
        ]

    def _check_one(self, name: str, seen: ParamSeen) -> None:
        if seen.kind == "categorical":
            if name in self.ranges:
                raise ValueError(
                    f"space.ranges.{name}: {name} is categorical ({seen.describe()}); "
                    "use space.choices"
                )
            wanted = self.choices.get(name, ())
            if name in self.fixed:
                wanted = (self.fixed[name],)
            missing = [v for v in wanted if v not in seen.choices]
            if missing:
                where = "fixed" if name in self.fixed else "choices"
                raise ValueError(
                    f"space.{where}.{name}: {missing} not among {name}'s choices "
                    f"{list(seen.choices)}"
                )
            return
        if name in self.choices:
            raise ValueError(
                f"space.choices.{name}: {name} is {seen.describe()}; use space.ranges or "
                "space.fixed"
            )
        assert seen.low is not None and seen.high is not None
        where = "ranges" if name in self.ranges else "fixed"
        bounds = self.ranges.get(name) or (self.fixed[name], self.fixed[name])
        low, high = bounds
        if not (_is_number(low) and _is_number(high)):
            raise ValueError(f"space.{where}.{name} must be numeric ({name} is {seen.describe()})")
        assert isinstance(low, (int, float)) and isinstance(high, (int, float))
        if seen.kind == "int" and not all(isinstance(v, int) for v in bounds):
            raise ValueError(f"space.{where}.{name} must be whole numbers ({seen.describe()})")
        if not seen.low <= low <= high <= seen.high:
            raise ValueError(
                f"space.{where}.{name}: {list(bounds) if where == 'ranges' else low} is outside "
                f"the search space's {seen.describe()}"
            )


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def narrowing_from_table(table: Any) -> SpaceNarrowing:
    """A preset's [space] table; ValueError names the field that is wrong."""
    if not isinstance(table, dict):
        raise ValueError("[space] must be a table")
    unknown = sorted(set(table) - set(_KINDS))
    if unknown:
        raise ValueError(f"unknown field space.{unknown[0]} (space has {', '.join(_KINDS)})")
    for kind in _KINDS:
        if not isinstance(table.get(kind, {}), dict):
            raise ValueError(f"space.{kind} must be a table of parameter = value")
    fixed, ranges, choices = (dict(table.get(kind, {})) for kind in _KINDS)
    for name, value in fixed.items():
        if not isinstance(value, (int, float, str, bool)):
            raise ValueError(f"space.fixed.{name} must be a number, a string or a boolean")
    for name, value in ranges.items():
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            and value[0] <= value[1]
        )
        if not ok:
            raise ValueError(f"space.ranges.{name} must be [low, high] with low <= high")
    for name, value in choices.items():
        if not isinstance(value, list) or not value:
            raise ValueError(f"space.choices.{name} must be a non-empty list")
    twice = sorted(
        (set(fixed) & set(ranges)) | (set(fixed) & set(choices)) | (set(ranges) & set(choices))
    )
    if twice:
        raise ValueError(f"space: {twice[0]} is narrowed twice (fixed, ranges or choices)")
    return SpaceNarrowing(
        fixed,
        {name: (value[0], value[1]) for name, value in ranges.items()},
        {name: tuple(value) for name, value in choices.items()},
    )


class NarrowedTrial:
    """A trial whose `suggest_*` answers follow a narrowing (the space's own bounds where the
    narrowing says nothing about a parameter)."""

    def __init__(self, trial: Suggests, narrowing: SpaceNarrowing) -> None:
        self.trial = trial
        self.narrowing = narrowing

    def suggest_int(self, name: str, low: int, high: int) -> int:
        low, high = self._bounds(name, low, high)
        return self.trial.suggest_int(name, int(low), int(high))

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float:
        low, high = self._bounds(name, low, high)
        return self.trial.suggest_float(name, float(low), float(high), log=log)

    def suggest_categorical(self, name: str, choices: list) -> Any:
        if name in self.narrowing.fixed:
            return self.trial.suggest_categorical(name, [self.narrowing.fixed[name]])
        if name in self.narrowing.choices:
            kept = [c for c in choices if c in self.narrowing.choices[name]]
            return self.trial.suggest_categorical(name, kept)
        return self.trial.suggest_categorical(name, choices)

    def _bounds(self, name: str, low: Any, high: Any) -> tuple[Any, Any]:
        if name in self.narrowing.fixed:
            value = self.narrowing.fixed[name]
            return value, value
        return self.narrowing.ranges.get(name, (low, high))


class _ProbeTrial:
    """Answers every question with the low end, and the `round`-th choice of each categorical
    parameter, recording what was asked."""

    def __init__(self, round_: int) -> None:
        self.round = round_
        self.seen: dict[str, ParamSeen] = {}

    def suggest_int(self, name: str, low: int, high: int) -> int:
        self.seen[name] = ParamSeen("int", low, high)
        return low

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float:
        self.seen[name] = ParamSeen("float", low, high)
        return low

    def suggest_categorical(self, name: str, choices: list) -> Any:
        self.seen[name] = ParamSeen("categorical", choices=tuple(choices))
        return choices[self.round % len(choices)]


def probe_space(suggest: Callable[[Suggests], object]) -> dict[str, ParamSeen]:
    """Every parameter `suggest` asks for, conditional ones included: it runs once per choice
    of its largest categorical parameter, taking each parameter's choices in turn, so each
    branch (each optimizer's learning rate) is reached."""
    seen: dict[str, ParamSeen] = {}
    round_, rounds = 0, 1
    while round_ < rounds:
        probe = _ProbeTrial(round_)
        suggest(probe)
        seen.update(probe.seen)
        rounds = max([rounds, *(len(p.choices) for p in seen.values())])
        round_ += 1
    return seen
