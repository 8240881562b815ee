"""The executor role: run TrialSpecs somewhere and hand back TrialResults as futures.

Executors report on two channels. Progress events (`records.RunEvent`) go to the display,
the API and the dashboard. Control messages (`JobSubmitted`) go to the optimizer alone: they
carry what the trial loop must act on, so no consumer of progress has to know about them.

A third path runs the other way: `submit(spec, judge)` takes the trial's `EpochJudge`, which
the executor asks after every epoch whether to stop the trial there (pruning). A trial it
stops resolves to a PRUNED result at that epoch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from healthopt.records import (
    EpochEndEvent,
    EpochJudge,
    PruneInfo,
    RunEvent,
    TrialResult,
    TrialSpec,
)

EventCallback = Callable[[RunEvent], None]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSubmitted:
    """A trial was sent to RunPod as this job; the optimizer records it on the trial so the
    job can be found, and cancelled, from the study alone."""

    trial_number: int
    runpod_job_id: str


ControlCallback = Callable[[JobSubmitted], None]


def emit_quietly(callback: EventCallback | None, event: RunEvent) -> None:
    """Hand a progress event on; a display or storage error must never stop trials."""
    if callback is None:
        return
    try:
        callback(event)
    except Exception:
        log.exception("progress callback failed")


def control_quietly(callback: ControlCallback | None, message: JobSubmitted) -> None:
    """Hand a control message on from an executor thread; its failure must not end the trial."""
    if callback is None:
        return
    try:
        callback(message)
    except Exception:
        log.exception("control callback failed")


def judge_quietly(judge: EpochJudge | None, event: EpochEndEvent) -> PruneInfo | None:
    """The judge's verdict; a judge that fails (a storage hiccup) lets the trial go on."""
    if judge is None:
        return None
    try:
        return judge(event)
    except Exception:
        log.exception("pruning judge failed for trial %s", event.trial_number)
        return None


class Executor(Protocol):
    """Runs trials. A future always resolves to a TrialResult (FAIL on any infrastructure
    error), never to an exception, so one broken trial cannot end the study."""

    capacity: int

    def submit(self, spec: TrialSpec, judge: EpochJudge | None = None) -> Future[TrialResult]: ...

    def shutdown(self, cancel: bool = False) -> None: ...
