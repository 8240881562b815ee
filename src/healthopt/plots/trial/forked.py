"""Draw a trial's figures in forked processes, one per core, with no figure able to cost another.

Why processes, and why forked (measured on the shared 2-core development machine, the 17
figures of a digits trial, the other helpers' work keeping both cores busy):
- Agg draws under the GIL; only PNG compression releases it. A two-thread pool drew the
  figures no faster than one thread (median 6.5 s against 6.3 s, the same CPU time), and
  matplotlib's rc settings, which the house style sets per figure, are process-global, so
  threads would also race on them.
- Two forked processes each spent 2.2-2.7 s of CPU where one process spent 4.1-4.5 s: with
  the cores free the figures take about 60% of the time. With both cores already busy they
  gain nothing and cost about a tenth more CPU (copied pages, cold caches).
- A forked process starts with matplotlib, the house style and the trial's files already
  read (`TrialData.preload`) and draws within milliseconds. A spawned or forkserver process
  first imports healthopt and matplotlib: 0.7 s of CPU each, against about 2 s of drawing.
- `os.fork` itself, not multiprocessing or concurrent.futures: the local executor runs each
  trial in a daemonic process, and multiprocessing refuses to start children from one.

The workers take figure names one at a time from a shared pipe, so a slow figure never holds
up a fixed share of the others. A worker announces each figure before drawing it, reports it
after, and leaves by `os._exit`: never through the parent's atexit handlers, buffers or
TensorFlow. If a worker dies (killed, out of memory, a crash inside C code), the figure it
had announced is reported failed and whatever nobody drew goes to a new round of workers.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import struct
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, NoReturn

from matplotlib.figure import Figure

# A task on the pipe: the figure's index in the names, 2 bytes. Every write and read is a
# whole number of tasks, so two workers never split one.
_TASK = struct.Struct("<H")
# A report is one line of at most this many bytes: pipe writes up to PIPE_BUF (4096 on
# Linux) are atomic, so lines from different workers never interleave.
_MAX_REPORT = 4000
# Seconds without any report after which the workers are taken to hang (`_report_lines`).
SILENCE_LIMIT_S = 120.0
# The lock every Figure.draw holds (see `_fork`); private to matplotlib, hence the fallback.
_RENDER_LOCK: AbstractContextManager[Any] = getattr(Figure, "_render_lock", nullcontext())


@dataclass(frozen=True)
class Drawn:
    """One figure's outcome: why it was not written (None when it was), and the seconds its
    drawing took."""

    name: str
    skipped: str | None
    seconds: float


class ForkFailed(OSError):
    """Not even one worker process could be started (the caller draws in-process)."""


def can_fork() -> bool:
    """Whether figures can be drawn in forked processes here: Linux only (macOS forks
    unsafely once system frameworks are loaded; Windows does not fork)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def draw_forked(
    draw: Callable[[str], Drawn], names: Sequence[str], workers: int
) -> dict[str, Drawn]:
    """Each of `names` drawn by `draw` in up to `workers` forked processes; name -> outcome.

    `draw` must not raise for a figure's sake (it returns the reason instead); it runs in
    the children, which inherit it, so it needs no pickling. Raises ForkFailed when no
    process could be started at all.
    """
    if len(names) > 1 << (8 * _TASK.size):
        raise ValueError(f"at most {1 << (8 * _TASK.size)} figures per call")
    done: dict[str, Drawn] = {}
    pending = list(names)
    while pending:
        _round(draw, pending, max(1, workers), done)
        left = [name for name in pending if name not in done]
        if len(left) == len(pending):  # workers died before announcing anything: give up
            for name in left:
                done[name] = Drawn(name, "failed while drawing: its process could not run", 0.0)
            break
        pending = left
    return done


def _round(
    draw: Callable[[str], Drawn], names: list[str], workers: int, done: dict[str, Drawn]
) -> None:
    """One set of workers drains the task pipe; outcomes land in `done`, including a failure
    for the figure any dead worker had announced."""
    tasks_out, tasks_in = os.pipe()
    # All tasks fit the pipe's buffer (64 KiB), so writing them never blocks.
    os.write(tasks_in, b"".join(_TASK.pack(i) for i in range(len(names))))
    os.close(tasks_in)  # an empty pipe then reads as end of file: no figures left
    reports_out, reports_in = os.pipe()
    pids: list[int] = []
    try:
        for _ in range(min(workers, len(names))):
            try:
                pid = _fork()
            except OSError:
                break  # fewer workers than asked; those started share the work
            if pid == 0:
                _work(draw, names, tasks_out, reports_in)
            pids.append(pid)
    finally:
        os.close(tasks_out)
        os.close(reports_in)  # the reports pipe ends when the last worker exits
    if not pids:
        os.close(reports_out)
        raise ForkFailed("could not start a drawing process")
    announced: dict[int, str] = {}  # worker pid -> the figure it is drawing
    try:
        for line in _report_lines(reports_out, pids):
            report = json.loads(line)
            pid, name = report["pid"], report["name"]
            if "seconds" not in report:
                announced[pid] = name
                continue
            announced.pop(pid, None)
            done[name] = Drawn(name, report["skipped"], report["seconds"])
    finally:
        os.close(reports_out)
    for pid in pids:
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:  # reaped already (SIGCHLD ignored): the cause is unknown
            status = -1
        if pid in announced:
            name = announced[pid]
            done[name] = Drawn(name, f"failed while drawing: {_death(status)}", 0.0)


def _report_lines(reports: int, pids: list[int]) -> Iterator[bytes]:
    """The workers' report lines until the last worker has exited.

    When no worker has said a word for `SILENCE_LIMIT_S`, every worker is killed: a figure
    takes seconds, so silence means a worker hangs (a lock another thread of the trial held
    when it forked). The killed workers' figures are then reported failed by SIGKILL, and the
    trial goes on instead of waiting forever."""
    pending = b""
    while True:
        ready, _, _ = select.select([reports], [], [], SILENCE_LIMIT_S)
        if not ready:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            continue  # the pipe ends once the killed workers are gone
        chunk = os.read(reports, 65536)
        if not chunk:
            return
        *lines, pending = (pending + chunk).split(b"\n")
        yield from lines


def _fork() -> int:
    """os.fork, holding matplotlib's figure render lock.

    A fork copies locks as they are. Another thread of this process drawing a figure at that
    moment (a server drawing monitoring images) would hold the lock that every
    `Figure.draw` takes, and the child would wait for it forever; taken here, the lock is
    free in the parent and, owned by the forking thread itself, released in the child.
    """
    with warnings.catch_warnings(), _RENDER_LOCK:
        # Python 3.12+ warns that forking a multi-threaded process (TensorFlow's threads, in
        # a trial) may deadlock the child on a lock another thread holds. The child runs
        # only matplotlib and numpy, never TensorFlow, and leaves by os._exit.
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def _work(draw: Callable[[str], Drawn], names: list[str], tasks: int, reports: int) -> NoReturn:
    """A worker's whole life: draw figures until the task pipe is empty, then exit."""
    code = 1
    try:
        pid = os.getpid()
        while chunk := os.read(tasks, _TASK.size):
            name = names[_TASK.unpack(chunk)[0]]
            _send(reports, {"pid": pid, "name": name})
            drawn = draw(name)
            _send(
                reports,
                {"pid": pid, "name": name, "skipped": drawn.skipped, "seconds": drawn.seconds},
            )
        code = 0
    finally:
        os._exit(code)


def _send(reports: int, report: dict[str, object]) -> None:
    line = json.dumps(report).encode() + b"\n"
    reason = str(report.get("skipped"))
    while len(line) > _MAX_REPORT and reason:  # a long error message: cut to stay atomic
        reason = reason[: len(reason) // 2]
        line = json.dumps({**report, "skipped": reason + " …"}).encode() + b"\n"
    os.write(reports, line)


def _death(status: int) -> str:
    """How a worker ended, in words, from its wait status (-1: not known)."""
    if status == -1:
        return "its drawing process ended before reporting it"
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"its drawing process was killed by {name}"
    return f"its drawing process exited with status {os.waitstatus_to_exitcode(status)}"
