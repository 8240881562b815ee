"""One contract suite, every registered diagnostics check: whatever the records hold, a check
returns a list of its own issues without raising; a healthy run gets no critical issue from it;
and the inputs it declares in `needs` are the inputs it reads, so a skipped check never hides
a finding."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from pydantic import BaseModel

from healthopt.diagnostics.engine import Check, all_checks
from healthopt.diagnostics.issues import Issue, Severity
from healthopt.diagnostics.needs import NEEDS, Field, missing_inputs
from healthopt.diagnostics.records import DiagnosticInput
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import ArchitectureSummary, LayerHealth

from ..builders import (
    HEALTHY_EPOCHS,
    diagnostic_input,
    healthy_cnn_architecture,
    healthy_epoch,
    healthy_rnn_architecture,
    healthy_transformer_architecture,
)

T = DiagnosticThresholds()
CHECKS = all_checks()
FAMILIES: dict[str, Callable[[], dict[str, Any]]] = {
    "cnn": healthy_cnn_architecture,
    "rnn": healthy_rnn_architecture,
    "transformer": healthy_transformer_architecture,
}
LOGS = [{"ts": "2024-01-01T00:00:00Z", "level": "INFO", "msg": "epoch done", "kind": "console"}]
CHANCE = 0.1  # the healthy run's 10 balanced classes; its val accuracy starts at 0.5


def _name(check: Check) -> str:
    return check.__name__.removeprefix("check_")


def _family(check: Check) -> str | None:
    """The architecture family a check is about (its module), None for the others."""
    module = check.__module__.rsplit(".", 1)[-1]
    return module if module in FAMILIES else None


def _healthy_epochs(family: str) -> list[dict[str, Any]]:
    epochs = [healthy_epoch(k) for k in range(HEALTHY_EPOCHS)]
    if family == "transformer":  # a healthy attention layer spreads its weight (entropy > 1)
        for epoch in epochs:
            epoch["layer_health"]["layers"]["mha_0"] = {"type": "MultiHeadAttention"}
            epoch["layer_health"]["layers"]["mha_0"]["attention_entropy"] = 2.0
    return epochs


def healthy(family: str) -> DiagnosticInput:
    return replace(
        diagnostic_input(_healthy_epochs(family), LOGS, FAMILIES[family]()), chance_accuracy=CHANCE
    )


def _nulled(value: Any) -> Any:
    """Every figure None, the shape kept: numbers, flags and lists of numbers become null."""
    if isinstance(value, dict):
        return {key: _nulled(inner) for key, inner in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, (int, float)) for v in value):
            return None
        return [_nulled(inner) for inner in value]
    return None if isinstance(value, (bool, int, float)) else value


def nulled(family: str) -> DiagnosticInput:
    return diagnostic_input(
        _nulled(_healthy_epochs(family)), _nulled(LOGS), _nulled(FAMILIES[family]())
    )


DEGENERATE: dict[str, Callable[[], DiagnosticInput]] = {
    "empty": DiagnosticInput,
    "blank records": lambda: diagnostic_input([{}, {}, {}], [{}], {"layers": {}}),
    **{f"every figure null ({family})": lambda f=family: nulled(f) for family in FAMILIES},
}


def _issues(check: Check, data: DiagnosticInput) -> list[Issue]:
    found = check(data, T)
    assert isinstance(found, list)
    assert all(isinstance(issue, Issue) for issue in found)
    assert {issue.check for issue in found} <= {_name(check)}
    return found


def test_every_check_is_registered_once_and_states_its_needs():
    names = [_name(check) for check in CHECKS]
    assert len(names) == len(set(names)) >= 30
    assert set(NEEDS) == set(names)


@pytest.mark.parametrize("check", CHECKS, ids=_name)
def test_a_healthy_run_gets_no_critical_issue_and_every_check_has_its_data(check):
    families = [_family(check)] if _family(check) else list(FAMILIES)
    for family in families:
        data = healthy(family)
        assert missing_inputs(_name(check), data) == [], family
        found = _issues(check, data)
        assert not [i for i in found if i.severity is Severity.CRITICAL], (family, found)


@pytest.mark.parametrize("check", CHECKS, ids=_name)
@pytest.mark.parametrize("case", list(DEGENERATE))
def test_degenerate_records_never_raise_and_a_skipped_check_finds_nothing(check, case):
    data = DEGENERATE[case]()
    found = _issues(check, data)
    if missing_inputs(_name(check), data):
        assert found == [], "the engine would skip this check, yet it finds something"


FIELDS = {f.label: f for need in NEEDS.values() for group in need.groups for f in group}
_ALIAS = re.compile(r" \(or \w+\)$")


def _holding(label: str) -> dict[str, Any] | None:
    """The engine's input holding just the field `label` names (null, or an empty list for
    `per_layer`), or None for a field that is not a single record key."""
    if label.startswith("epochs[]."):
        *parents, key = label.removeprefix("epochs[].").split(".")
        record: dict[str, Any] = {key: [] if key == "per_layer" else None}
        for parent in reversed(parents):
            record = {parent: record}
        return {"epochs": [record]}
    if label.startswith("layer_health.layers.*."):
        key = _ALIAS.sub("", label.removeprefix("layer_health.layers.*."))
        assert key in LayerHealth.model_fields, label
        return {"epochs": [{"layer_health": {"layers": {"x": {key: None}}}}]}
    if label.startswith("chance_accuracy "):  # a top-level figure, present when not null
        return {"chance_accuracy": CHANCE}
    if label.startswith("architecture.") and not label.startswith("architecture family"):
        key = label.removeprefix("architecture.")
        assert key in ArchitectureSummary.model_fields, label
        return {"architecture": {key: healthy_rnn_architecture()[key]}}
    return None


@pytest.mark.parametrize("field", FIELDS.values(), ids=list(FIELDS))
def test_each_declared_input_is_found_exactly_where_its_label_says(field: Field):
    """A field's label (what the report tells the user to add) and its test of the records
    agree: a record holding only that key meets it, one without it does not."""
    holding = _holding(field.label)
    if holding is None:  # logs[] and the architecture families
        assert field.label == "logs[]" or field.label.startswith("architecture family")
        return
    data = DiagnosticInput.from_json(holding)
    if field.label.startswith("epochs[]."):
        _assert_known(data.epochs[0], field.label.removeprefix("epochs[].").split("."))
    assert field.present(data), field.label
    assert not field.present(DiagnosticInput.from_json({"epochs": [{}], "architecture": {}}))


def _assert_known(record: BaseModel, path: list[str]) -> None:
    """Every key of `path` is a field of the record type at its level, not an unknown key."""
    holder: Any = record
    for key in path:
        if isinstance(holder, dict):  # a mapping such as operation_categories
            holder = holder[key]
            continue
        assert key in type(holder).model_fields, ".".join(path)
        holder = getattr(holder, key)


def test_null_figures_count_as_given_so_a_null_loss_is_judged():
    data = nulled("cnn")
    assert missing_inputs("nan_in_loss", data) == []
    nan_in_loss = next(check for check in CHECKS if _name(check) == "nan_in_loss")
    [issue] = _issues(nan_in_loss, data)
    assert (issue.epoch_index, issue.metric_value) == (0, "null")
