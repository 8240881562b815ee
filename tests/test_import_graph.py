"""Dependencies point one way: each part of healthopt imports only parts on its own layer or
below, so the import graph has no cycle. Imports inside functions count too: a lazy import
that goes upward is still a design cycle, only a hidden one."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import healthopt

SRC = Path(healthopt.__file__).parent
# Bottom to top. A part may import its own layer's parts and any below, never above.
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(layer.split())
    for layer in (
        "records",
        "data jsonio envfile console progress logcapture generalization_gap redact safe_names "
        "hypermodel",
        "config presets",
        "health diagnostics models training artifacts analysis keras monitoring",
        "plots visualization trial_analysis",
        "trial",
        "trackers",
        "optimize runpod_serverless",
        "display study runs",
        "api",
        "cli __main__",
    )
)


def _part(module: str) -> str:
    """`healthopt.optimize.results` -> "optimize"; the package root is "healthopt"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "healthopt"


def _imports() -> dict[str, set[str]]:
    """Part -> the other healthopt parts its modules import (at any depth)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(p for p in rel.parts if p != "__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith("healthopt.") and _part(name) != _part(module):
                    edges[_part(module)].add(_part(name))
    return edges


def _layer(part: str) -> int:
    for number, layer in enumerate(LAYERS):
        if part in layer:
            return number
    raise AssertionError(f"healthopt.{part} is on no layer: add it to LAYERS")


def test_every_part_is_on_a_layer():
    parts = {p.stem if p.is_file() else p.name for p in SRC.iterdir()}
    parts = {p for p in parts if not p.startswith("_") or p == "__main__"} - {"py.typed"}
    for part in parts - {"__pycache__"}:
        _layer(part)


def test_no_part_imports_a_part_above_it():
    upward = sorted(
        f"{part} (layer {_layer(part)}) imports {target} (layer {_layer(target)})"
        for part, targets in _imports().items()
        if part != "healthopt"
        for target in targets
        if _layer(target) > _layer(part)
    )
    assert upward == []


def test_records_import_nothing_else_from_healthopt():
    assert _imports().get("records", set()) == set()
