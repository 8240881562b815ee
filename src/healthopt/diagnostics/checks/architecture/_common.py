"""Helpers the architecture checks share: find the summary of one family, read its nodes,
build an architecture issue.

They read the `ArchitectureSummary` `models.architecture` writes, or seed 004's (validated at
the boundary; `diagnostics.records.arch_nodes` gives every node a category), and answer None
for a missing field, so a check skips what it cannot read rather than guessing.
"""

from __future__ import annotations

from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, arch_type
from healthopt.records import ArchitectureSummary, GraphNode

# What an issue quotes as the figure that tripped it.
MetricValue = int | float | bool | None


def _arch(data: DiagnosticInput, family: str) -> ArchitectureSummary | None:
    """The summary when the model is of `family`, stated or detected from its layers."""
    arch = data.architecture
    return arch if arch is not None and arch_type(arch) == family else None


def _of(nodes: list[GraphNode], category: str) -> list[GraphNode]:
    return [n for n in nodes if n.category == category]


def _id(node: GraphNode) -> str:
    return node.id


def _count(value: int | float | None) -> int | None:
    """A positive whole number (a size, a count), else None."""
    return int(value) if value is not None and value > 0 and value == int(value) else None


def _sequence_length(arch: ArchitectureSummary) -> int | None:
    """The declared sequence length, else the first input axis of a (steps[, features]) input."""
    length = _count(arch.sequence_length)
    shape = arch.input_shape
    if length is None and shape is not None and len(shape) in (1, 2):
        length = _count(shape[0])
    return length


def _issue(
    check: str,
    severity: Severity,
    title: str,
    description: str,
    suggestion: str,
    node: GraphNode | str | None = None,
    key: str | None = None,
    value: MetricValue = None,
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
        layer_id=node if isinstance(node, str) or node is None else node.id,
        metric_key=key,
        metric_value=value,
    )
