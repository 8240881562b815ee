"""capture_logs: the warnings and error logs a trial emits, as diagnostics log entries.

Python `logging` records at WARNING and above and `warnings.warn` calls made while a trial
runs become `records.LogEntry`s (seed 004's SessionLog), which the `error_logs` check reads.
TensorFlow's C++ messages bypass Python and stay in the worker log.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from healthopt.records import LogEntry

MAX_ENTRIES = 200


def log_entry(level: str, msg: str, kind: str) -> LogEntry:
    return LogEntry(
        ts=datetime.now(UTC).isoformat(timespec="seconds"),
        level=level,
        msg=msg[:2000],
        kind=kind,
    )


class _ListHandler(logging.Handler):
    def __init__(self, entries: list[LogEntry]) -> None:
        super().__init__(logging.WARNING)
        self.entries = entries

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.entries) < MAX_ENTRIES:
            kind = "error" if record.levelno >= logging.ERROR else "console"
            self.entries.append(log_entry(record.levelname, record.getMessage(), kind))


@contextmanager
def capture_logs() -> Iterator[list[LogEntry]]:
    entries: list[LogEntry] = []
    handler = _ListHandler(entries)
    root = logging.getLogger()
    root.addHandler(handler)

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if len(entries) < MAX_ENTRIES:
            entries.append(log_entry("WARNING", f"{category.__name__}: {message}", "console"))

    with warnings.catch_warnings():  # restores the filters and showwarning on exit
        warnings.simplefilter("default")
        warnings.showwarning = show
        try:
            yield entries
        finally:
            root.removeHandler(handler)
