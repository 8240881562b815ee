"""did_not_learn on crafted runs whose chance level is known, through the check and the engine."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from healthopt.config import OptimizationConfig
from healthopt.diagnostics import run_diagnostics
from healthopt.diagnostics.checks.chance import check_did_not_learn
from healthopt.diagnostics.issues import SCORE_CAPS, Severity
from healthopt.diagnostics.live import health_alarm
from healthopt.diagnostics.records import DiagnosticInput
from healthopt.diagnostics.thresholds import DiagnosticThresholds

from ...builders import HEALTHY_EPOCHS, diagnostic_input, healthy_cnn_architecture, healthy_epoch

T = DiagnosticThresholds()
CHANCE = 0.1  # 10 balanced classes
# Val accuracy of a 10-class model that learned nothing: chance, give or take a few samples.
AT_CHANCE = (0.1, 0.098, 0.102, 0.1, 0.1, 0.097, 0.1, 0.101)


def chance_epoch(k: int, val_acc: float) -> dict[str, Any]:
    """Epoch k of a run that learns nothing: the loss sits at log(10), accuracy at 0.1, and
    everything else (gradients, units, throughput) is the healthy run's."""
    epoch = healthy_epoch(k)
    loss = 2.3026 - 0.004 * k
    epoch["loss"].update(
        train_mean=loss, train_std=0.05, train_min=2.2, train_max=2.4, train_epoch=loss
    )
    epoch["loss"]["val"] = {"val_loss": 2.303, "val_acc": val_acc}
    epoch["accuracy"] = {"train": 0.1}
    return epoch


def run(val_accs, chance: float | None = CHANCE) -> DiagnosticInput:
    epochs = [chance_epoch(k, acc) for k, acc in enumerate(val_accs)]
    data = diagnostic_input(epochs, [], healthy_cnn_architecture())
    return replace(data, chance_accuracy=chance)


def flagged(data: DiagnosticInput, t: DiagnosticThresholds = T):
    found = check_did_not_learn(data, t)
    assert len(found) <= 1
    return found[0] if found else None


def test_a_run_at_chance_every_epoch_is_critical_at_the_epoch_pruning_would_stop_it():
    issue = flagged(run(AT_CHANCE))
    assert issue is not None and issue.severity is Severity.CRITICAL
    assert issue.title == "Did not learn"
    # at chance in epochs 0, 1 and 2: three in a row first at epoch 2, the third run
    assert issue.epoch_index == 2
    assert (issue.metric_key, issue.metric_value) == ("loss.val.val_acc", 0.101)
    assert "Validation accuracy 0.101" in issue.description
    assert "chance (0.100" in issue.description
    assert "should have been stopped at epoch 2 (after 3 of 8 epochs)" in issue.description
    assert "5 epochs after it were wasted" in issue.description


def test_the_engine_scores_a_chance_level_run_at_most_60():
    report = run_diagnostics(run(AT_CHANCE))
    assert report.issues[0].check == "did_not_learn"
    assert report.health_score <= 60


def test_issue_20_counter_example_no_longer_scores_89():
    """Issue 20: a chance-level model scored 89/100 (a plateau warning and two infos). The
    critical alone would leave it at 69, still out of the red band; the cap makes it 60."""
    report = run_diagnostics(run(AT_CHANCE))
    others = [i for i in report.issues if i.check != "did_not_learn"]
    assert 100 - sum(i.points for i in others) == 89  # what main scored this run
    assert 100 - sum(i.points for i in report.issues) == 69
    assert report.health_score == SCORE_CAPS["did_not_learn"] == 60


def test_a_run_that_learned_is_not_flagged():
    learned = [0.1, 0.35, 0.6, 0.75, 0.83, 0.88, 0.9, 0.91]
    assert flagged(run(learned)) is None
    healthy = [healthy_epoch(k) for k in range(HEALTHY_EPOCHS)]
    data = replace(diagnostic_input(healthy, [], healthy_cnn_architecture()), chance_accuracy=0.1)
    report = run_diagnostics(data)
    assert "did_not_learn" not in {i.check for i in report.issues}
    assert report.health_score >= 80


def test_below_chance_counts_as_at_chance():
    issue = flagged(run([0.07, 0.067, 0.05, 0.06]))
    assert issue is not None and issue.epoch_index == 2
    assert "Validation accuracy 0.060" in issue.description


def test_the_margin_is_a_share_of_the_way_from_chance_to_one():
    # 10 classes: up to 0.1 + 0.02 * 0.9 = 0.118 is chance; 0.12 is a model that learned
    assert flagged(run([0.118] * 4)) is not None
    assert flagged(run([0.12] * 4)) is None
    # 2 balanced classes: 0.51 is still chance
    assert flagged(run([0.51] * 4, chance=0.5)) is not None
    assert flagged(run([0.52] * 4, chance=0.5)) is None


def test_patience_is_clipped_to_the_epochs_run():
    issue = flagged(run([0.1, 0.1]))
    assert issue is not None and issue.epoch_index == 1
    assert "after 2 of 2 epochs" in issue.description and "in a row; 0 epochs" in issue.description
    assert flagged(run([0.1])).epoch_index == 0


def test_the_first_run_that_meets_the_patience_dates_it_even_after_a_lucky_epoch():
    issue = flagged(run([0.1, 0.1, 0.1, 0.14, 0.1, 0.1, 0.1]))
    assert issue is not None and issue.epoch_index == 2
    assert "its best was 0.140 (epoch 3)" in issue.description


def test_a_model_that_learned_and_fell_back_late_is_left_to_the_other_checks():
    # at chance only in the last two epochs: fewer than the patience, and it did learn
    assert flagged(run([0.4, 0.7, 0.8, 0.9, 0.1, 0.1])) is None
    # a missing val accuracy breaks a run, as it does for health pruning
    assert flagged(run([0.1, 0.1, None, 0.1, 0.1])) is None


def test_the_patience_threshold_is_a_setting():
    assert flagged(run(AT_CHANCE), replace(T, chance_patience_epochs=5)).epoch_index == 4
    assert flagged(run([0.1, 0.1, 0.4, 0.1, 0.1]), replace(T, chance_patience_epochs=2)) is not None


def test_it_agrees_with_health_pruning_on_the_epoch_to_stop():
    """The check names the epoch at which `health_alarm`, run after every epoch with the same
    patience, first fires: the two share one rule."""
    accs = [0.3, 0.1, 0.11, 0.09, 0.1, 0.105, 0.1]
    data = run(accs)
    issue = flagged(data)
    patience = T.chance_patience_epochs
    alarms = [health_alarm(data.epochs[:n], CHANCE, patience, T) for n in range(1, len(accs) + 1)]
    first = next(a for a in alarms if a is not None)
    assert first.check == "stuck_at_chance"
    assert issue is not None and first.epoch == issue.epoch_index + 1  # alarms are 1-based


def test_its_default_patience_is_health_prunings():
    assert T.chance_patience_epochs == OptimizationConfig().chance_patience_epochs


def test_without_a_chance_level_it_is_skipped_and_the_report_names_the_need():
    data = run(AT_CHANCE, chance=None)
    assert check_did_not_learn(data, T) == []
    report = run_diagnostics(data)
    [skipped] = [s for s in report.checks_skipped if s["check"] == "did_not_learn"]
    assert skipped["needs"].startswith("chance_accuracy")
    assert "result.json metrics.chance_accuracy" in skipped["needs"]
    assert report.health_score == 89  # nothing guessed: main's verdict, for want of the need


def test_a_one_class_validation_split_blames_no_model():
    assert flagged(run([1.0, 1.0, 1.0], chance=1.0)) is None
