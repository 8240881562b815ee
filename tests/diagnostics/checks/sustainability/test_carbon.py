"""The carbon report: total CO2, energy and power with the records' method."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.checks.sustainability.carbon import check_high_carbon_intensity
from healthopt.diagnostics.issues import Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ....builders import diagnostic_input

T = DiagnosticThresholds()


def test_high_carbon_intensity_reports_as_info(healthy_epochs):
    [issue] = check_high_carbon_intensity(diagnostic_input(epochs=healthy_epochs), T)
    assert issue.severity is Severity.INFO
    assert issue.metric_key == "carbon_emissions.epoch_co2_kg"
    assert issue.metric_value == pytest.approx(8 * 1.3e-5)
    assert "0.104 g CO2 over 8 epochs" in issue.description
    assert "0.224 Wh" in issue.description and "10 W" in issue.description
    assert "estimate: process CPU seconds x 10 W per busy core" in issue.description


def test_high_carbon_intensity_warns_above_limit(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["carbon_emissions"]["epoch_co2_kg"] = 0.002
    [issue] = check_high_carbon_intensity(diagnostic_input(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert issue.metric_value == pytest.approx(0.016)
    lenient = DiagnosticThresholds(high_carbon_kg=0.02)
    assert (
        check_high_carbon_intensity(diagnostic_input(epochs=epochs), lenient)[0].severity
        is Severity.INFO
    )


def test_high_carbon_intensity_needs_records(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        del epoch["carbon_emissions"]
    assert check_high_carbon_intensity(diagnostic_input(epochs=epochs), T) == []


def test_high_carbon_intensity_says_when_gpu_power_is_not_measurable(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["carbon_emissions"]["gpu_power_note"] = (
            "GPU power not measurable: nvidia-smi is not available"
        )
    [issue] = check_high_carbon_intensity(diagnostic_input(epochs=epochs), T)
    assert "GPU power: GPU power not measurable: nvidia-smi is not available" in (issue.description)
