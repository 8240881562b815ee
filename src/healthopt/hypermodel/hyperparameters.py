"""HyperParameters: the `hp` a user's `build(hp)` draws its search space from.

Define-by-run, with Keras Tuner's method names (`Int`, `Float`, `Choice`, `Boolean`, `Fixed`,
`conditional_scope`) so its users feel at home, over Optuna's trial: each call in the
orchestrator is an Optuna `suggest_*`, so TPE, CMA-ES, pruning and importance work on a user's
own space as on the built-in one. On a worker the same `build(hp)` runs again with a replaying
`hp` that hands back the values the orchestrator drew, and never samples: a value the replay
lacks means `build` drew differently the second time, which is an error, not a new draw.

Why our own class rather than Keras Tuner's `HyperParameters`: Keras Tuner's object decides its
values itself (its Oracle) and knows nothing of an Optuna trial; healthopt's sampler is Optuna's.
This module never imports TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from healthopt.records.trial import ParamValue

if TYPE_CHECKING:
    from healthopt.data import Dataset

SAMPLINGS = ("linear", "log")


class HypermodelError(ValueError):
    """A user's hypermodel cannot be used as written; the message says what and where."""


class ReplayError(HypermodelError):
    """`build(hp)` asked a worker for a value the orchestrator's draw did not make."""


class SuggestsParameters(Protocol):
    """The part of `optuna.trial.Trial` the sampling `hp` uses."""

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int: ...
    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float: ...
    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any: ...


@dataclass(frozen=True)
class DataShape:
    """What `build` may read about the data: one sample's shape, the classes, the modality."""

    input_shape: tuple[int, ...]
    num_classes: int
    modality: str
    vocabulary_size: int = 0

    @classmethod
    def of(cls, dataset: Dataset) -> DataShape:
        return cls(
            input_shape=tuple(dataset.input_shape),
            num_classes=dataset.num_classes,
            modality=dataset.modality,
            vocabulary_size=dataset.vocabulary_size,
        )


@dataclass(frozen=True)
class _Scope:
    """An active `conditional_scope`: its parameter and the values that switch it on."""

    parent: str
    values: tuple[ParamValue, ...]


class HyperParameters:
    """The `hp` handed to `build(hp)`: draws from an Optuna trial, or replays fixed values.

    Make one with `HyperParameters.sampling(trial, data)` (the orchestrator) or
    `HyperParameters.replaying(values, data)` (a worker). `values` holds every value the
    build drew, fixed ones included; `params` only those Optuna sampled.
    """

    def __init__(
        self,
        trial: SuggestsParameters | None,
        replay: dict[str, ParamValue] | None,
        data: DataShape | Callable[[], DataShape] | None,
    ) -> None:
        self._trial = trial
        self._replay = replay
        self._data = data
        self._scopes: list[_Scope] = []
        self.values: dict[str, ParamValue] = {}
        self.params: dict[str, ParamValue] = {}

    @classmethod
    def sampling(
        cls, trial: SuggestsParameters, data: DataShape | Callable[[], DataShape] | None = None
    ) -> HyperParameters:
        return cls(trial, None, data)

    @classmethod
    def replaying(
        cls, values: dict[str, ParamValue], data: DataShape | Callable[[], DataShape] | None = None
    ) -> HyperParameters:
        return cls(None, dict(values), data)

    # -- the data ----------------------------------------------------------------------
    @property
    def data(self) -> DataShape:
        """The data's shape; loaded on first use when the optimizer gave a loader."""
        if self._data is None:
            raise HypermodelError("this hp was made without the data's shape")
        if callable(self._data):
            self._data = self._data()
        return self._data

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.data.input_shape

    @property
    def num_classes(self) -> int:
        return self.data.num_classes

    # -- Keras Tuner's methods ---------------------------------------------------------
    def Int(  # noqa: N802 - Keras Tuner's name
        self,
        name: str,
        min_value: int,
        max_value: int,
        step: int | None = None,
        sampling: str = "linear",
        default: int | None = None,
    ) -> int:
        _check_range(name, min_value, max_value, integer=True)
        log = _is_log(name, sampling, min_value)
        if step is not None and (not isinstance(step, int) or step < 1):
            raise HypermodelError(f"hp.Int({name!r}): step must be a whole number >= 1")
        if log and step not in (None, 1):
            raise HypermodelError(f"hp.Int({name!r}): a log range takes no step")

        def draw(trial: SuggestsParameters) -> int:
            return int(trial.suggest_int(name, min_value, max_value, step=step or 1, log=log))

        value = self._value(name, draw, min_value if default is None else default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise HypermodelError(f"hp.Int({name!r}): {value!r} is not a whole number")
        return value

    def Float(  # noqa: N802 - Keras Tuner's name
        self,
        name: str,
        min_value: float,
        max_value: float,
        step: float | None = None,
        sampling: str = "linear",
        default: float | None = None,
        *,
        log: bool = False,
    ) -> float:
        _check_range(name, min_value, max_value, integer=False)
        is_log = log or _is_log(name, sampling, min_value)
        if is_log and min_value <= 0:
            raise HypermodelError(f"hp.Float({name!r}): a log range needs min_value > 0")
        if step is not None and (is_log or not step > 0):
            raise HypermodelError(f"hp.Float({name!r}): step must be > 0 on a linear range")

        def draw(trial: SuggestsParameters) -> float:
            return float(trial.suggest_float(name, min_value, max_value, step=step, log=is_log))

        value = self._value(name, draw, min_value if default is None else default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise HypermodelError(f"hp.Float({name!r}): {value!r} is not a number")
        return float(value)

    def Choice(  # noqa: N802 - Keras Tuner's name
        self, name: str, values: Sequence[ParamValue], default: ParamValue = None
    ) -> Any:
        choices = list(values)
        if not choices:
            raise HypermodelError(f"hp.Choice({name!r}): values is empty")
        if any(not isinstance(v, (int, float, str, bool)) for v in choices):
            raise HypermodelError(
                f"hp.Choice({name!r}): values must be numbers, strings or booleans, so that "
                f"Optuna can store them (got {choices!r})"
            )
        if default is not None and default not in choices:
            raise HypermodelError(f"hp.Choice({name!r}): default {default!r} is not a value")

        def draw(trial: SuggestsParameters) -> ParamValue:
            drawn: ParamValue = trial.suggest_categorical(name, choices)
            return drawn

        return self._value(name, draw, choices[0] if default is None else default)

    def Boolean(self, name: str, default: bool = False) -> bool:  # noqa: N802
        def draw(trial: SuggestsParameters) -> bool:
            return bool(trial.suggest_categorical(name, [False, True]))

        return bool(self._value(name, draw, default))

    def Fixed(self, name: str, value: ParamValue) -> Any:  # noqa: N802 - Keras Tuner's name
        """A value the build fixes: recorded with the trial, never searched."""
        _check_name(name)
        if self._active():
            self.values[name] = value
        return value

    @contextmanager
    def conditional_scope(
        self, parent_name: str, parent_values: ParamValue | Sequence[ParamValue]
    ) -> Iterator[None]:
        """Parameters drawn inside are active only when `parent_name`'s value is one of
        `parent_values`; when inactive they return their default and are not searched
        (Keras Tuner's rule). A plain `if` on the parent's value works as well."""
        if parent_name not in self.values:
            raise HypermodelError(
                f"conditional_scope({parent_name!r}): draw {parent_name!r} before its scope"
            )
        wanted = (
            tuple(parent_values) if isinstance(parent_values, (list, tuple)) else (parent_values,)
        )
        self._scopes.append(_Scope(parent_name, wanted))
        try:
            yield
        finally:
            self._scopes.pop()

    def get(self, name: str) -> ParamValue:
        """A value drawn earlier in this build (Keras Tuner's `hp.get`)."""
        if name not in self.values:
            raise HypermodelError(f"hp.get({name!r}): no such value has been drawn")
        return self.values[name]

    # -- internals ---------------------------------------------------------------------
    def _active(self) -> bool:
        return all(self.values.get(s.parent) in s.values for s in self._scopes)

    def _value(
        self, name: str, draw: Callable[[SuggestsParameters], ParamValue], default: ParamValue
    ) -> ParamValue:
        _check_name(name)
        if not self._active():
            return default
        if name in self.values:  # drawn twice in one build: Keras Tuner returns the first
            return self.values[name]
        if self._replay is not None:
            if name not in self._replay:
                raise ReplayError(
                    f"build(hp) asked for {name!r}, which the orchestrator's draw did not "
                    f"make (it drew {', '.join(sorted(self._replay)) or 'nothing'}); build must "
                    "draw the same parameters for the same values every time it runs"
                )
            value = self._replay[name]
        else:
            assert self._trial is not None
            value = draw(self._trial)
            self.params[name] = value
        self.values[name] = value
        return value


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name:
        raise HypermodelError(f"a hyperparameter's name must be a non-empty string (got {name!r})")


def _check_range(name: str, low: Any, high: Any, *, integer: bool) -> None:
    _check_name(name)
    method, what = ("Int", "integers") if integer else ("Float", "numbers")
    for bound in (low, high):
        number = isinstance(bound, int) or (not integer and isinstance(bound, float))
        if isinstance(bound, bool) or not number or not math.isfinite(float(bound)):
            raise HypermodelError(
                f"hp.{method}({name!r}): bounds must be finite {what} (got {low!r}, {high!r})"
            )
    if low > high:
        raise HypermodelError(f"hp.{method}({name!r}): min_value {low} > max_value {high}")


def _is_log(name: str, sampling: str, low: float) -> bool:
    if sampling not in SAMPLINGS:
        raise HypermodelError(f"{name!r}: sampling must be 'linear' or 'log' (got {sampling!r})")
    if sampling == "log" and low <= 0:
        raise HypermodelError(f"{name!r}: a log range needs min_value > 0")
    return sampling == "log"
