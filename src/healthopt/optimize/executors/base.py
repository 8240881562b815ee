"""The executor role: run TrialSpecs somewhere and hand back TrialResults as futures."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

from healthopt.trial import TrialResult, TrialSpec

EventCallback = Callable[[dict[str, Any]], None]
log = logging.getLogger(__name__)


def emit_quietly(callback: EventCallback | None, event: dict[str, Any]) -> None:
    """Hand a progress event on; a display or storage error must never stop trials."""
    if callback is None:
        return
    try:
        callback(event)
    except Exception:
        log.exception("progress callback failed")


class Executor(Protocol):
    """Runs trials. A future always resolves to a TrialResult (FAIL on any infrastructure
    error), never to an exception, so one broken trial cannot end the study."""

    capacity: int

    def submit(self, spec: TrialSpec) -> Future[TrialResult]: ...

    def shutdown(self, cancel: bool = False) -> None: ...
