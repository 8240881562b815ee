"""System checks: speed, memory, CPU and error logs on crafted histories."""

from __future__ import annotations

import pytest

from healthopt.diagnostics.checks import system
from healthopt.diagnostics.issues import Category, Severity
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ...builders import diagnostic_input

T = DiagnosticThresholds()


def only(issues, check, category):
    assert len(issues) == 1, issues
    issue = issues[0]
    assert issue.check == check
    assert issue.category is category
    assert issue.title and issue.description and issue.suggestion
    return issue


def log(level, msg):
    return {"ts": "2026-02-21T10:30:15", "level": level, "msg": msg, "kind": "console"}


@pytest.mark.parametrize("check", system.CHECKS, ids=lambda c: c.__name__)
def test_empty_input_gives_nothing(check):
    assert check(diagnostic_input(), T) == []


@pytest.mark.parametrize("check", system.CHECKS, ids=lambda c: c.__name__)
def test_healthy_history_gives_nothing(check, healthy_epochs):
    logs = [log("INFO", "epoch done"), log("WARNING", "retracing")]
    assert check(diagnostic_input(epochs=healthy_epochs, logs=logs), T) == []


@pytest.mark.parametrize("check", system.CHECKS, ids=lambda c: c.__name__)
def test_partial_records_do_not_raise(check):
    epochs = [
        {},
        {"throughput": {}, "memory": {}, "system": {}, "device": {}},
        {"duration_seconds": None, "system": {"cpu_percent": 500.0, "cpu_count": None}},
        {"duration_seconds": "slow", "memory": {"process_rss_mb": 0}},
        {"throughput": {"samples_per_second": 0}, "system": {"cpu_count": 4}},
    ]
    logs = [{}, {"level": "warning"}, {"msg": "no level"}]
    assert check(diagnostic_input(epochs=epochs, logs=logs), T) == []


# -- throughput_degradation -------------------------------------------------------------
def test_throughput_degradation_at_last_epoch(healthy_epochs):
    healthy_epochs[7]["throughput"]["samples_per_second"] = 700.0  # peak 1000 -> 30% drop
    issue = only(
        system.check_throughput_degradation(diagnostic_input(epochs=healthy_epochs), T),
        "throughput_degradation",
        Category.THROUGHPUT,
    )
    assert issue.severity is Severity.WARNING
    assert issue.epoch_index == 7
    assert issue.metric_key == "throughput.samples_per_second"
    assert issue.metric_value == pytest.approx(700.0)
    assert "30.0%" in issue.description
    lenient = DiagnosticThresholds(throughput_drop_pct=0.35)
    assert (
        system.check_throughput_degradation(diagnostic_input(epochs=healthy_epochs), lenient) == []
    )


def test_throughput_ignores_warm_up_and_recovered_dips(clone, healthy_epochs):
    warm_up = clone(healthy_epochs)
    warm_up[0]["throughput"]["samples_per_second"] = 300.0
    assert system.check_throughput_degradation(diagnostic_input(epochs=warm_up), T) == []
    dip = clone(healthy_epochs)
    dip[4]["throughput"]["samples_per_second"] = 500.0
    assert system.check_throughput_degradation(diagnostic_input(epochs=dip), T) == []


# -- memory_growth ----------------------------------------------------------------------
def test_memory_growth_from_first_record_after_warm_up(healthy_epochs):
    healthy_epochs[7]["memory"]["process_rss_mb"] = 2000.0  # epoch 1: 1502 MB
    issue = only(
        system.check_memory_growth(diagnostic_input(epochs=healthy_epochs), T),
        "memory_growth",
        Category.MEMORY,
    )
    assert issue.severity is Severity.WARNING
    assert issue.epoch_index == 7
    assert issue.metric_key == "memory.process_rss_mb"
    assert issue.metric_value == pytest.approx(2000.0)
    assert "33.2%" in issue.description and "1502 MB at epoch 1" in issue.description
    lenient = DiagnosticThresholds(memory_growth_pct=0.4)
    assert system.check_memory_growth(diagnostic_input(epochs=healthy_epochs), lenient) == []


def test_memory_growth_ignores_warm_up(healthy_epochs):
    healthy_epochs[0]["memory"]["process_rss_mb"] = 800.0  # graph building happens in epoch 0
    assert system.check_memory_growth(diagnostic_input(epochs=healthy_epochs), T) == []


# -- slow_epoch -------------------------------------------------------------------------
def test_slow_epoch(healthy_epochs):
    healthy_epochs[5]["duration_seconds"] = 18.0
    issue = only(
        system.check_slow_epoch(diagnostic_input(epochs=healthy_epochs), T),
        "slow_epoch",
        Category.THROUGHPUT,
    )
    assert issue.severity is Severity.INFO
    assert issue.epoch_index == 5
    assert issue.metric_key == "duration_seconds"
    assert issue.metric_value == pytest.approx(18.0)
    assert "1.8x" in issue.description


def test_slow_epoch_ignores_first_epoch_and_honours_threshold(clone, healthy_epochs):
    tracing = clone(healthy_epochs)
    tracing[0]["duration_seconds"] = 40.0
    assert system.check_slow_epoch(diagnostic_input(epochs=tracing), T) == []
    near = clone(healthy_epochs)
    near[5]["duration_seconds"] = 14.0  # 1.4x the median
    assert system.check_slow_epoch(diagnostic_input(epochs=near), T) == []
    strict = DiagnosticThresholds(slow_epoch_ratio=1.3)
    assert [
        i.epoch_index for i in system.check_slow_epoch(diagnostic_input(epochs=near), strict)
    ] == [5]


# -- high_cpu ---------------------------------------------------------------------------
def _busy(epochs, percent):
    for record in epochs:
        record["system"]["cpu_percent"] = percent
    return epochs


def test_high_cpu_on_cpu_only_machine_is_info(healthy_epochs):
    epochs = _busy(healthy_epochs, 190.0)  # 2 cores: 95% each
    issue = only(
        system.check_high_cpu(diagnostic_input(epochs=epochs), T), "high_cpu", Category.SYSTEM
    )
    assert issue.severity is Severity.INFO
    assert issue.metric_key == "system.cpu_percent"
    assert issue.metric_value == pytest.approx(190.0)
    assert "95% per core" in issue.description and "expected" in issue.description


def test_high_cpu_when_training_on_gpu_is_warning(healthy_epochs):
    epochs = _busy(healthy_epochs, 190.0)
    for record in epochs:
        record["device"] = {"gpu_available": True, "training_device": "gpu"}
    issue = only(
        system.check_high_cpu(diagnostic_input(epochs=epochs), T), "high_cpu", Category.SYSTEM
    )
    assert issue.severity is Severity.WARNING
    assert "prefetch" in issue.suggestion


def test_high_cpu_needs_core_count_and_honours_threshold(clone, healthy_epochs):
    busy = _busy(clone(healthy_epochs), 190.0)
    assert (
        system.check_high_cpu(
            diagnostic_input(epochs=busy), DiagnosticThresholds(high_cpu_percent=99.0)
        )
        == []
    )
    for record in busy:
        del record["system"]["cpu_count"]
    assert system.check_high_cpu(diagnostic_input(epochs=busy), T) == []
    one_core = _busy(clone(healthy_epochs), 95.0)
    for record in one_core:
        record["system"]["cpu_count"] = 1
    assert len(system.check_high_cpu(diagnostic_input(epochs=one_core), T)) == 1


# -- error_logs -------------------------------------------------------------------------
def test_error_logs_warning_quotes_count_and_first_message():
    logs = [
        log("INFO", "starting"),
        log("ERROR", "Failed to write checkpoint"),
        log("error", "Retry failed"),
    ]
    issue = only(
        system.check_error_logs(diagnostic_input(logs=logs), T), "error_logs", Category.LOGS
    )
    assert issue.severity is Severity.WARNING
    assert issue.metric_value == 2
    assert "2 log entries" in issue.description
    assert "Failed to write checkpoint" in issue.description


def test_error_logs_critical_level_makes_it_critical():
    logs = [log("ERROR", "first"), log("CRITICAL", "OOM when allocating tensor")]
    issue = only(
        system.check_error_logs(diagnostic_input(logs=logs), T), "error_logs", Category.LOGS
    )
    assert issue.severity is Severity.CRITICAL
    assert "'first'" in issue.description


def test_error_logs_ignore_warnings():
    logs = [log("WARNING", "slow step"), log("INFO", "done"), log("DEBUG", "x")]
    assert system.check_error_logs(diagnostic_input(logs=logs), T) == []
