"""WorkloadGate: the one budget of concurrent work that jobs and comparison studies share.

A server on a 2-core machine that ran a study beside a job would have two workloads fight for
the cores; the gate lets at most `capacity` of them (jobs and studies together) run at once,
and holds the bound on how much work may wait. When a workload ends, the gate offers its slot
to the managers in the order their oldest waiting item arrived, so a study queues like a job.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)


# For the OpenAPI document of the routes that queue work.
QUEUE_FULL_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {"description": "the server's queue of waiting jobs and studies is full"}
}


class QueueFull(RuntimeError):
    """The server already holds as much waiting work as it accepts."""


@dataclass(frozen=True)
class _Waiter:
    name: str
    oldest_waiting: Callable[[], datetime | None]  # arrival of its oldest waiting item
    queued: Callable[[], int]  # how many of its items wait
    schedule: Callable[[], None]  # start what it can


class WorkloadGate:
    def __init__(self, capacity: int = 1, max_queued: int = 100) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1 (got {capacity})")
        self.capacity = capacity
        self.max_queued = max_queued
        self._in_use = 0
        self._waiters: list[_Waiter] = []
        self._lock = threading.Lock()

    def register(
        self,
        name: str,
        oldest_waiting: Callable[[], datetime | None],
        queued: Callable[[], int],
        schedule: Callable[[], None],
    ) -> None:
        with self._lock:
            self._waiters = [w for w in self._waiters if w.name != name]
            self._waiters.append(_Waiter(name, oldest_waiting, queued, schedule))

    @property
    def in_use(self) -> int:
        with self._lock:
            return self._in_use

    def try_acquire(self) -> bool:
        with self._lock:
            if self._in_use >= self.capacity:
                return False
            self._in_use += 1
            return True

    def release(self, offer: bool = True) -> None:
        """Give a slot back and, with `offer`, let the longest-waiting manager take it."""
        with self._lock:
            self._in_use = max(0, self._in_use - 1)
            waiters = list(self._waiters)
        if offer:
            self.offer(waiters)

    def offer(self, waiters: list[_Waiter] | None = None) -> None:
        """Ask each manager to start what it can, oldest waiting work first."""
        if waiters is None:
            with self._lock:
                waiters = list(self._waiters)
        for waiter in sorted(waiters, key=_arrival):
            try:
                waiter.schedule()
            except Exception:  # noqa: BLE001 - one manager's trouble must not starve the other
                log.exception("%s could not schedule its waiting work", waiter.name)

    def check_room(self, what: str) -> None:
        """Raise QueueFull when the waiting jobs and studies already reach `max_queued`."""
        with self._lock:
            waiters = list(self._waiters)
        waiting = sum(waiter.queued() for waiter in waiters)
        if waiting >= self.max_queued:
            raise QueueFull(
                f"the server already has {waiting} jobs and studies waiting, its limit "
                f"(HEALTHOPT_MAX_QUEUED_JOBS={self.max_queued}); {what} was not queued, "
                "try again when some have run"
            )


def _arrival(waiter: _Waiter) -> tuple[int, datetime | None]:
    try:
        oldest = waiter.oldest_waiting()
    except Exception:  # noqa: BLE001 - unknown arrival sorts last; schedule() reports trouble
        oldest = None
    return (0, oldest) if oldest is not None else (1, None)
