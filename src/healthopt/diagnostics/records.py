"""What the engine reads: epoch records, log entries and an architecture summary.

`DiagnosticInput` is the one argument every check takes. Its parts are the validated records
(`healthopt.records.epoch`, `.logs`, `.architecture` give their layout); `from_json` is the
boundary where a file someone hands us is checked. Any part may be empty or partial (a
crafted JSON file, an old run, a trial that stopped after one epoch): every block reads as
empty and every figure as None when absent, non-numeric or non-finite, so checks never raise
on a missing field. Where a check must tell "absent" from "given as null" (a null loss is
itself a finding), `given` says whether the record held the key.

Seed 004 spellings. Records written by seed 004's engine (PyTorch) use other names for some
per-layer figures; `LayerHealth` reads them as ours, and `DiagnosticInput.spelling` gives back
the name the file used so the report quotes what the reader will find there:

- `gradient_norm_mean` -> our `gradient_norm`. Ours is the L2 norm of the layer's gradient
  on the fixed probe batch; the seed's is that norm averaged over the epoch's batches. Both
  measure how much gradient reaches the layer, on the same scale.
- `has_vanishing_gradients: true` -> a vanishing-gradient finding for that epoch, as a norm
  below `vanishing_gradient_threshold` would be: the recorder's own verdict, used even when
  its norm is above our threshold (the seed's example flags a norm of 1e-4).
- `activation_var_of_means` -> our `activation_variance_across_samples`. Ours is the mean
  over output units of each unit's variance across probe samples; the seed's is the variance
  of the mean activation. The seed's figure is never larger than ours (the variance of a mean
  is at most the mean of the variances), so it is a lower bound: equal for a one-unit layer,
  but near zero for a layer whose mean is fixed by construction (a softmax, a LayerNorm
  without learned shift) even when its units still respond to the input.
- `weight_sparsity` has the same name and meaning in both.
- A graph node's `stride` (PyTorch) is read as our `strides`.

Architectures without `arch_type`: the family is detected from the layer graph (or, without
one, from `layers[].type`): an attention node other than single-head `Attention` ->
transformer, else a recurrent node -> rnn, else a convolution -> cnn, else generic (the
precedence `models.architecture` uses). Nodes without `category` get one from their type
name (`layer_types`: `Conv2d` -> convolution, `Linear` -> linear, `MaxPool2d` -> pooling,
`LSTM` -> recurrent, `MultiheadAttention` -> attention, `BatchNorm2d` -> normalization, ...).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import AliasChoices, BaseModel

from healthopt.diagnostics.layer_types import SINGLE_HEAD_ATTENTION, category_of, short_name
from healthopt.records import (
    ARCH_TYPES,
    ArchitectureSummary,
    EpochRecord,
    GraphNode,
    LayerHealth,
    LogEntry,
    Record,
    SchemaError,
    finite_or_none,
)

# The top-level keys of the engine's input; anything else is named in the report.
INPUT_KEYS = frozenset({"epochs", "logs", "architecture", "chance_accuracy"})
VANISHING_FLAG = "has_vanishing_gradients"


def _seed_aliases() -> dict[str, str]:
    """Our per-layer key -> seed 004's spelling, as `LayerHealth` reads them."""
    found = {}
    for name, info in LayerHealth.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            for choice in alias.choices:
                if isinstance(choice, str) and choice != name:
                    found[name] = choice
    return found


LAYER_ALIASES = _seed_aliases()
# Keys from the epoch record down to one figure, e.g. ("loss", "val", "val_loss").
FigurePath = tuple[str, ...]


@dataclass(frozen=True)
class DiagnosticInput:
    """The records of one run; `ignored_keys` are top-level keys `from_json` did not know.

    `chance_accuracy` is the validation split's majority-class rate, the accuracy a model
    that learned nothing gets; None when the run did not record it (only `did_not_learn`
    reads it, and is skipped without it: a chance level guessed from the class count would
    be wrong for every imbalanced split).

    `spellings` and `non_finite` keep what validation reads away but the report quotes:
    (epoch position, layer, our key) -> the seed's spelling the file used, and (epoch
    position, path under our spelling) -> "nan", "inf" or "-inf" for a figure that was
    non-finite rather than null. Records made in-process have neither.
    """

    epochs: list[EpochRecord] = field(default_factory=list)
    logs: list[LogEntry] = field(default_factory=list)
    architecture: ArchitectureSummary | None = None
    chance_accuracy: float | None = None
    ignored_keys: tuple[str, ...] = ()
    spellings: Mapping[tuple[int, str, str], str] = field(default_factory=dict)
    non_finite: Mapping[tuple[int, FigurePath], str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, object] | str | bytes) -> DiagnosticInput:
        """From `{"epochs": [...], "logs": [...], "architecture": {...},
        "chance_accuracy": 0.1}`, all keys optional.

        Raises SchemaError naming the part that is malformed (`epochs[3]: ...`).
        """
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise SchemaError(f"not valid JSON ({exc})") from exc
        if not isinstance(data, Mapping):
            raise SchemaError(
                'the input must be an object {"epochs": [...], "logs": [...], '
                f'"architecture": {{...}}}}, got {type(data).__name__}'
            )
        raw_epochs = _listed(data, "epochs")
        raw_logs = _listed(data, "logs")
        raw_arch = data.get("architecture") or None
        epochs = [_read(EpochRecord, e, "epochs", i) for i, e in enumerate(raw_epochs)]
        logs = [_read(LogEntry, e, "logs", i) for i, e in enumerate(raw_logs)]
        architecture = (
            None if raw_arch is None else _read(ArchitectureSummary, raw_arch, "architecture")
        )
        return cls(
            epochs=epochs,
            logs=logs,
            architecture=architecture,
            chance_accuracy=_chance(data.get("chance_accuracy")),
            ignored_keys=tuple(str(key) for key in data if key not in INPUT_KEYS),
            spellings=_spellings(raw_epochs),
            non_finite=_non_finite_figures(raw_epochs),
        )

    def spelling(self, position: int, layer: str, key: str) -> str:
        """The name epoch `position` gave `layer`'s figure `key` under (ours or the seed's)."""
        return self.spellings.get((position, layer, key), key)

    def describe_missing(self, position: int, path: FigurePath) -> str:
        """How a figure that reads as None was written: "nan", "inf", "-inf", else "null"."""
        return self.non_finite.get((position, path), "null")


def _chance(value: object) -> float | None:
    """A chance level is an accuracy: a number in [0, 1], or null for "not recorded"."""
    chance = finite_or_none(value)
    if value is not None and (chance is None or not 0.0 <= chance <= 1.0):
        raise SchemaError(f"chance_accuracy must be a number in [0, 1] or null, got {value!r}")
    return chance


R = TypeVar("R", bound=Record)
_WHAT = {"epochs": "epoch records", "logs": "log entries"}


def _listed(data: Mapping[str, object], key: str) -> list[object]:
    found = data.get(key) or []
    if not isinstance(found, list):
        raise SchemaError(
            f"'{key}' must be a list of {_WHAT[key]} (objects), got {type(found).__name__}"
        )
    return found


def _read(kind: type[R], value: object, key: str, index: int | None = None) -> R:
    """One record of the input; `index` is its place in the `key` list (None: not a list)."""
    where = key if index is None else f"{key}[{index}]"
    if isinstance(value, kind):
        return value
    if not isinstance(value, Mapping):
        shape = "an object" if index is None else f"a list of {_WHAT[key]} (objects)"
        raise SchemaError(f"'{key}' must be {shape}; {where} is {type(value).__name__}")
    try:
        return kind.from_json(value)
    except SchemaError as exc:
        raise SchemaError(f"{where}: {exc}") from exc


def _layer_entries(raw: object) -> Iterator[tuple[str, Mapping[str, object]]]:
    """(name, entry) of a raw epoch record's layer-health entries (already validated)."""
    block = raw.get("layer_health") if isinstance(raw, Mapping) else None
    entries = block.get("layers") if isinstance(block, Mapping) else None
    if isinstance(entries, Mapping):
        yield from ((str(n), e) for n, e in entries.items() if isinstance(e, Mapping))


def _spellings(raw_epochs: list[object]) -> dict[tuple[int, str, str], str]:
    found = {}
    for position, raw in enumerate(raw_epochs):
        for name, entry in _layer_entries(raw):
            for ours, seeds in LAYER_ALIASES.items():
                if ours not in entry and seeds in entry:
                    found[(position, name, ours)] = seeds
    return found


def _non_finite(value: object, path: FigurePath) -> Iterator[tuple[FigurePath, str]]:
    if isinstance(value, float) and not math.isfinite(value):
        yield path, "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _non_finite(inner, (*path, str(key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _non_finite(inner, (*path, str(index)))


def _non_finite_figures(raw_epochs: list[object]) -> dict[tuple[int, FigurePath], str]:
    """Figures given as NaN or infinity (Python's json reads them), under our spelling."""
    ours = {seeds: key for key, seeds in LAYER_ALIASES.items()}
    found = {}
    for position, raw in enumerate(raw_epochs):
        for path, text in _non_finite(raw, ()):
            if len(path) == 4 and path[:2] == ("layer_health", "layers"):
                path = (*path[:3], ours.get(path[3], path[3]))
            found[(position, path)] = text
    return found


def given(record: BaseModel, key: str) -> bool:
    """Whether the record as read held `key` (even as null or NaN), not just its default."""
    return key in record.model_fields_set


def series(
    epochs: Sequence[EpochRecord], figure: Callable[[EpochRecord], float | int | None]
) -> list[float | None]:
    """One number per epoch (None where missing): `series(epochs, lambda e: e.loss.train_mean)`."""
    values = [figure(e) for e in epochs]
    return [None if v is None else float(v) for v in values]


def epoch_index(epochs: Sequence[EpochRecord], position: int) -> int:
    """The record's own epoch number when it has one, else its position in the list."""
    number = epochs[position].epoch
    return number if number is not None else position


def layer_series(
    epochs: Sequence[EpochRecord],
) -> Iterator[tuple[str, list[LayerHealth | None]]]:
    """Each layer name with its entry per epoch (None in epochs where it is missing)."""
    names: dict[str, None] = {}
    for record in epochs:
        names.update(dict.fromkeys(record.layers))
    for name in names:
        yield name, [record.layers.get(name) for record in epochs]


def node_category(node: GraphNode) -> str | None:
    """The node's `category`, or the one its `type` name implies (`layer_types`)."""
    return node.category if node.category is not None else category_of(node.type)


def _layer_node(architecture: ArchitectureSummary, name: str) -> GraphNode:
    entry = architecture.layers.get(name)
    return GraphNode(id=name, type=entry.type if entry is not None else None)


def arch_nodes(architecture: ArchitectureSummary | None) -> list[GraphNode]:
    """Graph nodes in sequential order (by `sequential_path` when given), each with a category.

    Without graph nodes, the `layers` entries stand in as nodes (id and type) in their order.
    A path id that names no graph node is filled in from its `layers` entry, or kept as a
    bare id when nothing describes it (seed 004's example path lists a `pool1` that no node
    describes: dropping it would make the convolutions around it look adjacent). A node
    without `category` gets the one its type name implies (None when none fits).
    """
    if architecture is None:
        return []
    graph = architecture.layer_graph
    nodes = list(graph.nodes) or [_layer_node(architecture, n) for n in architecture.layers]
    if graph.sequential_path:
        by_id = {n.id: n for n in nodes}
        path = graph.sequential_path
        ordered = [by_id[i] if i in by_id else _layer_node(architecture, i) for i in path]
        on_path = set(path)
        nodes = ordered + [n for n in nodes if n.id not in on_path]
    return [
        n if n.category is not None else n.model_copy(update={"category": node_category(n)})
        for n in nodes
    ]


def recorded_arch_type(architecture: ArchitectureSummary | None) -> str | None:
    """The family the summary states (`arch_type`), None when it states none we know."""
    value = architecture.arch_type if architecture is not None else None
    value = value.strip().lower() if value is not None else None
    return value if value in ARCH_TYPES else None


def detected_arch_type(architecture: ArchitectureSummary | None) -> str:
    """The family the layers imply (module docstring), "generic" when nothing singles one out."""
    nodes = arch_nodes(architecture)
    categories = {n.category for n in nodes}
    if any(
        n.category == "attention" and short_name(n.type or "") not in SINGLE_HEAD_ATTENTION
        for n in nodes
    ):
        return "transformer"
    if "recurrent" in categories:
        return "rnn"
    return "cnn" if "convolution" in categories else "generic"


def arch_type(architecture: ArchitectureSummary | None) -> str:
    """The family the checks treat the model as: the stated one, else the detected one."""
    return recorded_arch_type(architecture) or detected_arch_type(architecture)
