"""What the engine could not read: keys it does not know, and input it cannot diagnose at all.

A record in another format (a Keras `History`, a misspelt field) would otherwise pass every
check by giving none of them data, and score a silent 100. The engine names the keys it did
not recognise in a note, and when no check found its data it files a warning instead of a
clean bill of health.
"""

from __future__ import annotations

from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput

# How many unrecognised keys a note or issue spells out before "and N more".
SHOWN_KEYS = 12


def unknown_keys(data: DiagnosticInput) -> list[str]:
    """Keys the engine does not know, as paths (`epochs[].train_loss`), in first-seen order.

    Looks at the input's top level, each epoch record's top level, each layer-health entry,
    each log entry and the architecture summary's top level: the levels where another
    format's names show up. The records keep the keys they did not know (`unknown_keys`).
    """
    found: dict[str, None] = dict.fromkeys(data.ignored_keys)
    for record in data.epochs:
        found.update(dict.fromkeys(f"epochs[].{k}" for k in record.unknown_keys()))
        for entry in record.layers.values():
            found.update(dict.fromkeys(f"layer_health.layers.*.{k}" for k in entry.unknown_keys()))
    for log in data.logs:
        found.update(dict.fromkeys(f"logs[].{k}" for k in log.unknown_keys()))
    if data.architecture is not None:
        found.update(dict.fromkeys(f"architecture.{k}" for k in data.architecture.unknown_keys()))
    return list(found)


def listing(keys: list[str]) -> str:
    """The keys comma-separated, at most `SHOWN_KEYS` of them."""
    shown = ", ".join(keys[:SHOWN_KEYS])
    rest = len(keys) - SHOWN_KEYS
    return f"{shown} and {rest} more" if rest > 0 else shown


def unrecognised_input(unknown: list[str], checks: int) -> Issue:
    """The warning for input in which none of the `checks` checks found the data it reads."""
    found = (
        f"Unrecognised keys: {listing(unknown)}."
        if unknown
        else "The input holds no epoch, log or architecture figure the checks read."
    )
    return Issue(
        check="unrecognised_input",
        severity=Severity.WARNING,
        category=Category.INPUT,
        title="Nothing in the input could be diagnosed",
        description=(
            f"None of the {checks} checks found the data it reads, so no score can vouch for "
            f"this model. {found}"
        ),
        suggestion=(
            'Give {"epochs": [...], "logs": [...], "architecture": {...}} as healthopt\'s '
            "TrainingObserver and describe_model write them (healthopt.records), or "
            "seed 004's records (loss.train_mean, layer_health.layers.<name>.gradient_norm_mean, "
            "architecture.layers.<name>.type ...); see checks_skipped for what each check needs."
        ),
        metric_key="unrecognised_keys",
        metric_value=unknown,
    )
