"""Device underutilization: a GPU-equipped run that trained on the CPU."""

from __future__ import annotations

from healthopt.diagnostics.checks.sustainability.device import check_device_underutilization
from healthopt.diagnostics.issues import Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ....builders import diagnostic_input

T = DiagnosticThresholds()


def test_device_underutilization(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs[2:]:
        epoch["device"]["gpu_available"] = True
    [issue] = check_device_underutilization(diagnostic_input(epochs=epochs), T)
    assert issue.severity is Severity.WARNING
    assert issue.epoch_index == 2
    assert (issue.metric_key, issue.metric_value) == ("device.training_device", "cpu")
    assert "6 of 6 epochs" in issue.description


def test_device_underutilization_from_profiler_without_device_name(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["device"] = {"gpu_available": True}
    [issue] = check_device_underutilization(diagnostic_input(epochs=epochs), T)
    assert (issue.metric_key, issue.metric_value) == ("profiler.total_cuda_time_ms", 0.0)


def test_device_underutilization_silent_on_gpu_or_without_gpu(healthy_epochs, clone):
    # The healthy fixture trains on a CPU-only machine: never a finding.
    assert check_device_underutilization(diagnostic_input(epochs=healthy_epochs), T) == []
    epochs = clone(healthy_epochs)
    for epoch in epochs:
        epoch["device"] = {"gpu_available": True, "training_device": "gpu"}
        epoch["profiler"]["total_cuda_time_ms"] = 0.0  # the recorded device decides
    assert check_device_underutilization(diagnostic_input(epochs=epochs), T) == []
