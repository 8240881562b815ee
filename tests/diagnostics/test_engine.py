"""The engine over every check: scoring, grouping, and the crafted healthy/broken runs."""

from __future__ import annotations

import json

import pytest

from healthopt.diagnostics import DiagnosticInput, DiagnosticThresholds, run_diagnostics
from healthopt.diagnostics import engine as engine_module
from healthopt.diagnostics.engine import all_checks
from healthopt.diagnostics.issues import Category, Issue, Severity, health_score
from healthopt.records import DiagnosticsSummary

from ..builders import (
    diagnostic_input,
    healthy_cnn_architecture,
    healthy_cnn_summary,
    healthy_epoch_records,
)


def _broken(epochs, architecture, clone):
    """The healthy run with three injected problems: an explosion, a dead layer, NaN."""
    epochs = clone(epochs)
    epochs[5]["loss"]["train_mean"] = epochs[4]["loss"]["train_mean"] * 6
    dense = epochs[-1]["layer_health"]["layers"]["dense_0"]
    dense.update(
        dead_unit_fraction=1.0, activation_variance_across_samples=0.0, activation_mean_square=0.0
    )
    epochs[-1]["loss"]["val"]["val_loss"] = None
    return diagnostic_input(epochs, [], architecture)


def test_there_are_more_than_thirty_uniquely_named_checks():
    names = [check.__name__ for check in all_checks()]
    assert len(names) >= 30 and len(set(names)) == len(names)
    assert all(name.startswith("check_") for name in names)


def test_healthy_training_has_no_critical_issue_and_scores_at_least_80(
    healthy_epochs, cnn_architecture
):
    report = run_diagnostics(diagnostic_input(healthy_epochs, [], cnn_architecture))
    assert report.severity_counts()["critical"] == 0
    assert report.health_score >= 80
    assert report.check_errors == []
    assert report.arch_type == "cnn" and report.epochs_analyzed == 8


def test_injected_problems_are_found_scored_and_grouped(healthy_epochs, cnn_architecture, clone):
    report = run_diagnostics(_broken(healthy_epochs, cnn_architecture, clone))
    found = {issue.check for issue in report.issues}
    assert {"loss_explosion", "dead_neurons", "nan_in_loss"} <= found
    assert report.severity_counts()["critical"] >= 3
    assert report.health_score == max(0, 100 - sum(i.points for i in report.issues))
    # Critical first, then warnings, then info.
    order = {"critical": 0, "warning": 1, "info": 2}
    ranks = [order[i.severity.value] for i in report.issues]
    assert ranks == sorted(ranks)
    # The dead layer heads the layer highlights; the explosion is filed under its epoch.
    assert report.layer_highlights[0].layer_id == "dense_0"
    assert (
        report.layer_highlights[0].layer_type == "Conv2D"
        or report.layer_highlights[0].layer_type == "Dense"
    )
    trends = {t["epoch_index"]: {i["check"] for i in t["issues"]} for t in report.epoch_trends()}
    assert "loss_explosion" in trends[5]
    data = report.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["summary_json"]["severity_breakdown"] == report.severity_counts()
    assert data["issue_count"] == len(data["issues"])


def test_empty_input_warns_instead_of_scoring_100_and_says_what_was_missing():
    report = run_diagnostics(diagnostic_input())
    assert [issue.check for issue in report.issues] == ["unrecognised_input"]
    assert report.issues[0].severity.value == "warning" and report.health_score == 93
    assert report.checks_run == 0 and len(report.checks_skipped) == len(all_checks())
    assert any("no epoch records" in note for note in report.notes)
    assert any("no architecture" in note for note in report.notes)
    assert report.check_errors == []


def test_energy_method_is_stated_in_the_notes(healthy_epochs):
    report = run_diagnostics(diagnostic_input(healthy_epochs))
    assert any(note.startswith("energy: estimate") for note in report.notes)
    assert report.sustainability["total_co2_kg"] == pytest.approx(8 * 1.3e-5)


def test_a_failing_check_is_reported_and_the_others_still_run(monkeypatch, healthy_epochs, clone):
    def check_broken(data, t):
        raise RuntimeError("bug in a check")

    real = engine_module.all_checks
    monkeypatch.setattr(engine_module, "all_checks", lambda: [check_broken, *real()])
    epochs = clone(healthy_epochs)
    epochs[3]["loss"]["train_mean"] = epochs[2]["loss"]["train_mean"] * 5
    report = run_diagnostics(diagnostic_input(epochs))
    assert report.check_errors == [{"check": "broken", "error": "RuntimeError: bug in a check"}]
    assert "loss_explosion" in {issue.check for issue in report.issues}


def test_thresholds_change_the_outcome(healthy_epochs, clone):
    epochs = clone(healthy_epochs)
    epochs[4]["loss"]["train_mean"] = epochs[3]["loss"]["train_mean"] * 2.5
    strict = run_diagnostics(diagnostic_input(epochs))
    lenient = run_diagnostics(
        diagnostic_input(epochs), DiagnosticThresholds(loss_explosion_ratio=3.0)
    )
    assert "loss_explosion" in {i.check for i in strict.issues}
    assert "loss_explosion" not in {i.check for i in lenient.issues}


def test_summary_is_the_trial_records_diagnostics_summary(healthy_epochs, cnn_architecture):
    report = run_diagnostics(diagnostic_input(healthy_epochs, [], cnn_architecture))
    summary = report.summary()
    assert isinstance(summary, DiagnosticsSummary)
    assert (summary.health_score, summary.issue_count) == (report.health_score, report.issue_count)
    assert summary.severity_counts == report.severity_counts()
    assert (summary.arch_type, summary.arch_type_source) == ("cnn", "recorded")
    assert summary.checks_run == report.checks_run
    assert summary.checks_skipped == report.checks_skipped != []
    assert DiagnosticsSummary.from_json(summary.to_json()) == summary


def test_records_made_in_process_are_read_as_they_are(healthy_epochs):
    """The trial hands the engine validated records, not JSON: same report as from a file."""
    records = healthy_epoch_records()
    from_records = run_diagnostics(
        DiagnosticInput(epochs=records, architecture=healthy_cnn_summary())
    )
    from_file = run_diagnostics(diagnostic_input(healthy_epochs, [], healthy_cnn_architecture()))
    assert from_records.to_dict() == from_file.to_dict()


def test_a_did_not_learn_finding_caps_the_score_and_a_lower_score_stands():
    def issue(check: str, severity: Severity) -> Issue:
        return Issue(check, severity, Category.LOSS, "t", "d", "s")

    critical = issue("did_not_learn", Severity.CRITICAL)
    assert health_score([issue("nan_in_loss", Severity.CRITICAL)]) == 80  # no cap: points
    assert health_score([critical]) == 60  # 80 by points, capped
    assert health_score([critical] + [issue("loss_plateau", Severity.WARNING)] * 4) == 52
