"""The one check for names built from outside input before they become a path component.

A job id from RunPod, a run name from a request or the command line: each ends up as one
folder name under a root healthopt owns, so each must be a single harmless component. Nothing
that could climb out (`..`), hide (`.x`), read as an option (`-x`) or carry a separator passes.
"""

from __future__ import annotations

import re

MAX_LENGTH = 128
_SAFE = re.compile(rf"[A-Za-z0-9_][A-Za-z0-9._-]{{0,{MAX_LENGTH - 1}}}")
_SHOWN = 60  # characters of a refused value quoted in the message


class UnsafeName(ValueError):
    """A value is not a safe single path component; the message names what it was for."""


def safe_name(value: str, what: str) -> str:
    """`value` unchanged when it is a safe single path component, else raise UnsafeName.

    Safe: 1-128 letters, digits, '.', '_' or '-', not starting with '.' or '-' (so never '.'
    or '..').
    """
    if isinstance(value, str) and _SAFE.fullmatch(value):
        return value
    shown = repr(value)
    if len(shown) > _SHOWN:
        shown = shown[:_SHOWN] + "..."
    raise UnsafeName(
        f"{what} must be 1-{MAX_LENGTH} letters, digits, '.', '_' or '-', not starting with "
        f"'.' or '-' (got {shown})"
    )
