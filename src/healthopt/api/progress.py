"""ProgressHub: hands a job's or a study's progress events from runner threads to WebSocket
listeners (keyed by job id or study id, which cannot collide: a job id is 32 hex digits, a
study id starts with its dataset's name).

Runner threads publish; each listener owns an asyncio queue on the server's event loop, fed
with `call_soon_threadsafe`. A listener that falls behind loses its oldest events, never
blocks a runner: progress is a stream of snapshots, the next one supersedes the last.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from healthopt.records import Record

QUEUE_SIZE = 256


@dataclass(eq=False)
class Listener:
    """One WebSocket's view of one job's events."""

    job_id: str
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Record] = field(default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE))
    dropped: int = 0

    def offer(self, event: Record) -> None:
        """Runs on the event loop: queue the event, dropping the oldest when full."""
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)


class ProgressHub:
    def __init__(self) -> None:
        self._listeners: dict[str, set[Listener]] = {}
        self._lock = threading.Lock()

    def subscribe(self, job_id: str) -> Listener:
        """Call from the event loop that will read the listener's queue."""
        listener = Listener(job_id, asyncio.get_running_loop())
        with self._lock:
            self._listeners.setdefault(job_id, set()).add(listener)
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            listeners = self._listeners.get(listener.job_id, set())
            listeners.discard(listener)
            if not listeners:
                self._listeners.pop(listener.job_id, None)

    def listener_count(self, job_id: str) -> int:
        with self._lock:
            return len(self._listeners.get(job_id, ()))

    def publish(self, job_id: str, event: Record) -> None:
        """Thread-safe. Events are frozen records, so every listener may share one."""
        with self._lock:
            listeners = list(self._listeners.get(job_id, ()))
        for listener in listeners:
            try:
                listener.loop.call_soon_threadsafe(listener.offer, event)
            except RuntimeError:  # its loop is closed: the server is stopping
                self.unsubscribe(listener)
