"""Helpers the architecture checks share: find the summary of one family, read its nodes,
build an architecture issue.

They read the summary `models.architecture` writes, or seed 004's (schema and spellings in
`records`, whose `arch_nodes` gives every node a category), and answer None for a missing or
malformed field, so a check skips what it cannot read rather than guessing.
"""

from __future__ import annotations

from typing import Any

from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, arch_type, number


def _arch(data: DiagnosticInput, family: str) -> dict[str, Any] | None:
    """The summary when the model is of `family`, stated or detected from its layers."""
    arch = data.architecture
    return arch if isinstance(arch, dict) and arch_type(arch) == family else None


def _of(nodes: list[dict[str, Any]], category: str) -> list[dict[str, Any]]:
    return [n for n in nodes if n.get("category") == category]


def _id(node: dict[str, Any]) -> str | None:
    value = node.get("id")
    return None if value is None else str(value)


def _count(value: Any) -> int | None:
    """A positive whole number (a size, a count), else None."""
    value = number(value)
    return int(value) if value is not None and value > 0 and value == int(value) else None


def _sequence_length(arch: dict[str, Any]) -> int | None:
    """The declared sequence length, else the first input axis of a (steps[, features]) input."""
    length = _count(arch.get("sequence_length"))
    shape = arch.get("input_shape")
    if length is None and isinstance(shape, list) and len(shape) in (1, 2):
        length = _count(shape[0])
    return length


def _issue(
    check: str,
    severity: Severity,
    title: str,
    description: str,
    suggestion: str,
    node: dict[str, Any] | str | None = None,
    key: str | None = None,
    value: Any = None,
    epoch: int | None = None,
) -> Issue:
    return Issue(
        check=check,
        severity=severity,
        category=Category.ARCHITECTURE,
        title=title,
        description=description,
        suggestion=suggestion,
        epoch_index=epoch,
        layer_id=node if isinstance(node, str) else _id(node) if node else None,
        metric_key=key,
        metric_value=value,
    )
