"""The executor role: run TrialSpecs somewhere and hand back TrialResults as futures."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

from healthopt.trial import TrialResult, TrialSpec

EventCallback = Callable[[dict[str, Any]], None]


class Executor(Protocol):
    """Runs trials. A future always resolves to a TrialResult (FAIL on any infrastructure
    error), never to an exception, so one broken trial cannot end the study."""

    capacity: int

    def submit(self, spec: TrialSpec) -> Future[TrialResult]: ...

    def shutdown(self, cancel: bool = False) -> None: ...
