"""Chance-level check: a model whose validation accuracy never left chance did not learn.

Chance is the validation split's majority-class rate (`DiagnosticInput.chance_accuracy`): the
accuracy of a model that always answers the most common class. The rule is health pruning's
`stuck_at_chance` (`diagnostics.live`), from the helpers here, so a trial that pruning would
have stopped is the trial this check reports, at the epoch pruning would have stopped it.
"""

from __future__ import annotations

from collections.abc import Sequence

from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, epoch_index, series
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import EpochRecord


def val_accuracies(epochs: Sequence[EpochRecord]) -> list[float | None]:
    return series(epochs, lambda record: record.loss.val.val_acc)


def chance_limit(chance: float, t: DiagnosticThresholds) -> float:
    """The highest val accuracy that still counts as chance: `chance_margin` of the way from
    chance to 1.0, so the margin means the same for 2 classes as for 10. Below chance is at
    chance too: worse than the majority answer is no skill either."""
    return chance + t.chance_margin * (1.0 - chance)


def chance_runs(accuracies: Sequence[float | None], limit: float) -> list[int]:
    """For each epoch, how many epochs in a row up to it were at chance (0 when it was not);
    an epoch without a val accuracy breaks the run, as it does for health pruning."""
    runs, run = [], 0
    for accuracy in accuracies:
        run = run + 1 if accuracy is not None and accuracy <= limit else 0
        runs.append(run)
    return runs


def check_did_not_learn(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """The model ended at chance and had been there for `chance_patience_epochs` epochs in a
    row (critical): health pruning's rule, applied to the whole run.

    The patience is clipped to the epochs run, so a 2-epoch run at chance in both is flagged
    too: that it ended before pruning could fire does not make it a model that learned. A
    model that learned and only fell back to chance in its last epochs is not flagged here:
    it learned, and the collapse is the loss and gradient checks' finding. The issue is dated
    at the epoch where the run first met the patience (possibly before a lucky epoch above
    chance), where health pruning would have stopped it; the epochs after it were wasted.
    A chance of 1.0 (a one-class validation split) is skipped: no accuracy can show skill
    there, and no model should be blamed for it. A flagged model's health score is capped
    (`issues.SCORE_CAPS`).
    """
    chance, epochs = data.chance_accuracy, data.epochs
    accuracies = val_accuracies(epochs)
    if chance is None or chance >= 1.0 or not epochs:
        return []
    limit = chance_limit(chance, t)
    patience = min(t.chance_patience_epochs, len(epochs))
    runs = chance_runs(accuracies, limit)
    final = accuracies[-1]
    if final is None or runs[-1] < patience:
        return []
    stop = next(position for position, run in enumerate(runs) if run >= patience)
    known = [(acc, i) for i, acc in enumerate(accuracies) if acc is not None]
    best, best_at = max(known, key=lambda pair: (pair[0], -pair[1]))
    wasted = len(epochs) - stop - 1
    return [
        Issue(
            check="did_not_learn",
            severity=Severity.CRITICAL,
            category=Category.LOSS,
            title="Did not learn",
            description=(
                f"Validation accuracy {final:.3f} at the last epoch is at chance "
                f"({chance:.3f}, the majority-class rate; up to {limit:.3f} counts as chance), "
                f"its best was {best:.3f} (epoch {epoch_index(epochs, best_at)}): the model "
                f"learned nothing a majority-class guess does not know. It should have been "
                f"stopped at epoch {epoch_index(epochs, stop)} (after {stop + 1} of "
                f"{len(epochs)} epochs), the first at which it had been at chance for "
                f"{patience} epoch{'s' if patience != 1 else ''} in a row; "
                f"{wasted} epoch{'s' if wasted != 1 else ''} after it were wasted."
            ),
            suggestion=(
                "Check that the labels match the inputs and that the inputs are scaled (e.g. "
                "pixels divided by 255); a loss stuck near log(num_classes) means no gradient "
                "signal: try a learning rate 10x lower if the loss jumped, 10x higher if it "
                "barely moved. Keep health pruning on (the default; --chance-patience sets "
                "the epochs) so such trials stop early."
            ),
            epoch_index=epoch_index(epochs, stop),
            metric_key="loss.val.val_acc",
            metric_value=final,
        )
    ]


CHECKS = [check_did_not_learn]
