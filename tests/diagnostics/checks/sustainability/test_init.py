"""The package contract: `CHECKS` in the engine's order, each quiet on empty, healthy and
partial input, and each one issue kind in the sustainability category."""

from __future__ import annotations

import importlib

import pytest

from healthopt.diagnostics.checks import sustainability as s
from healthopt.diagnostics.issues import Category, Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ....builders import diagnostic_input

T = DiagnosticThresholds()


def test_checks_are_found_by_module_name_in_their_order():
    module = importlib.import_module("healthopt.diagnostics.checks.sustainability")  # the engine
    assert [check.__name__ for check in module.CHECKS] == [
        "check_diminishing_returns",
        "check_early_stop_opportunity",
        "check_device_underutilization",
        "check_over_parameterized_layer",
        "check_compute_inefficient_layer",
        "check_dead_neurons",
        "check_vanishing_gradients",
        "check_frozen_output",
        "check_activation_collapse",
        "check_redundant_layers",
        "check_high_carbon_intensity",
        "check_wasted_carbon",
    ]


@pytest.mark.parametrize("check", s.CHECKS)
def test_every_check_returns_nothing_on_empty_input(check):
    assert check(diagnostic_input(), T) == []


@pytest.mark.parametrize("check", s.CHECKS)
def test_healthy_history_gives_at_most_the_carbon_report(check, healthy_epochs, cnn_architecture):
    for data in (
        diagnostic_input(epochs=healthy_epochs),
        diagnostic_input(epochs=healthy_epochs, architecture=cnn_architecture),
    ):
        issues = check(data, T)
        if check is s.check_high_carbon_intensity:
            assert [(i.check, i.severity) for i in issues] == [
                ("high_carbon_intensity", Severity.INFO)
            ]
        else:
            assert issues == []


@pytest.mark.parametrize("check", s.CHECKS)
def test_every_check_survives_partial_records(check, messy_epochs):
    issues = check(diagnostic_input(epochs=messy_epochs, architecture={"layers": {"x": {}}}), T)
    # Only the layer whose output variance is exactly 0 is a finding here.
    expected = ["frozen_output"] if check is s.check_frozen_output else []
    assert [i.check for i in issues] == expected


def test_every_check_is_one_issue_kind_and_category(plateau_epochs):
    for check in s.CHECKS:
        for issue in check(diagnostic_input(epochs=plateau_epochs), T):
            assert issue.check == check.__name__.removeprefix("check_")
            assert issue.category is Category.SUSTAINABILITY
