"""Atomic JSON files: readers (the orchestrator, the API, a user's script) never see half."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any


class JSONFileError(ValueError):
    """A JSON file that cannot be read; the one-line message names the file and why."""


def read_json(path: Path) -> Any:
    """Parse a JSON file that may come from anyone: hostile input (nesting deeper than Python
    recurses, integers longer than it converts) raises JSONFileError, never a traceback."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise JSONFileError(f"cannot read {path} ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise JSONFileError(f"{path} is not UTF-8 text ({exc.reason})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JSONFileError(f"{path} is not valid JSON ({json_problem(exc)})") from None
    except (RecursionError, ValueError) as exc:
        raise JSONFileError(f"{path} is not readable JSON: {json_problem(exc)}") from None


def json_problem(exc: BaseException) -> str:
    """What went wrong parsing JSON, in one line a user can act on."""
    if isinstance(exc, RecursionError):
        return "it is nested too deeply to read"
    if isinstance(exc, ValueError) and "integer string conversion" in str(exc):
        return f"it holds an integer longer than {sys.get_int_max_str_digits()} digits"
    return " ".join(str(exc).split())


def write_json_atomic(path: Path, payload: Any) -> None:
    """Write strict JSON (NaN is an error, not a token) to a temporary file, then rename."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, allow_nan=False))
    os.replace(tmp, path)


def json_safe(value: Any) -> Any:
    """A copy of `value` that strict JSON accepts: NaN and infinities become None, tuples lists.

    For payloads built from live numbers (progress events) where a diverged trial's NaN loss
    must not break the stream that reports it.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value
