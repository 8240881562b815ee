"""A log entry a trial keeps (logs.json): warnings and errors the diagnostics engine reads."""

from __future__ import annotations

from typing import Literal

from healthopt.records.base import Record

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class LogEntry(Record):
    """`kind` groups entries ("error", "system", "warning", ...); `ts` is ISO 8601 UTC."""

    ts: str | None = None
    level: str = "INFO"
    msg: str = ""
    kind: str | None = None
