"""Atomic JSON files: readers (the orchestrator, the API, a user's script) never see half."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any


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
