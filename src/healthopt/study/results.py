"""What an analysis module returns: its measured numbers plus tables and figures ready to print.

Every module speaks this one shape, so `results.json`, the API and the PDF report handle all
eight modules (and any added later) the same way, with no module-specific code downstream.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Cell = str | float | int | None


@dataclass(frozen=True)
class Table:
    """A small table for the report; numbers stay numbers (the report formats them)."""

    title: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(
                    f"table {self.title!r}: a row has {len(row)} cells for "
                    f"{len(self.columns)} columns"
                )


@dataclass(frozen=True)
class Figure:
    """A PNG under analysis_results/ (path relative to it) and what it shows."""

    path: str
    caption: str


@dataclass(frozen=True)
class ModuleResult:
    """One analysis module's outcome. `available` is False (with `reason`) when the module
    cannot apply to this study, e.g. no related dataset for a transfer test."""

    name: str
    title: str
    available: bool = True
    reason: str | None = None
    summary: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tests: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def unavailable(cls, name: str, title: str, reason: str) -> ModuleResult:
        return cls(name=name, title=title, available=False, reason=reason, summary=[reason])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModuleResult:
        values = dict(data)
        values["tables"] = [Table(**t) for t in values.get("tables", [])]
        values["figures"] = [Figure(**f) for f in values.get("figures", [])]
        return cls(**values)
