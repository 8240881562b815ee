"""Layer monitoring for a trial folder already on disk: `healthopt monitor`, the best trial.

Reads the folder's `observer.json` (the epoch records the trial wrote, or a `HealthMonitor`
saved) and writes the seed's files under its `monitoring/`. A folder whose records cannot be
read is refused with the reason, never given a report that looks clean.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from healthopt.jsonio import JSONFileError, json_problem, read_json
from healthopt.monitoring.layout import MONITORING_DIR
from healthopt.records import EpochRecord, SchemaError

if TYPE_CHECKING:
    from healthopt.monitoring.report import MonitoringFiles

OBSERVER_FILE = "observer.json"


class MonitoringInputError(ValueError):
    """A trial folder whose epoch records are missing or unreadable; the message says which."""


class NoEpochRecords(MonitoringInputError):
    """Epoch records that are readable but hold no epoch yet (a trial that just started)."""


def epoch_records(data: object, name: str) -> list[EpochRecord]:
    """Parsed observer.json (`name` is how messages call it) as validated epoch records.

    Records keep keys they do not know, so a foreign list of objects would validate as
    epochs with no figures, and monitoring them would read as a quiet, healthy run: an entry
    with none of an epoch record's keys is refused too. NoEpochRecords for an empty list.
    """
    if not isinstance(data, list):
        raise MonitoringInputError(
            f"{name} is not healthopt epoch records: expected a list of epochs, found "
            f"{type(data).__name__}"
        )
    if not data:
        raise NoEpochRecords(f"{name} holds no epoch yet: there is nothing to monitor")
    return [_epoch_record(name, index, item) for index, item in enumerate(data)]


def _epoch_record(name: str, index: int, item: object) -> EpochRecord:
    try:
        record = EpochRecord.from_json(item)  # type: ignore[arg-type]
    except SchemaError as exc:
        raise MonitoringInputError(
            f"{name} is not healthopt epoch records: entry {index}: {exc}"
        ) from None
    unknown = record.unknown_keys()
    if unknown and not record.model_fields_set - set(unknown):
        keys = ", ".join(sorted(unknown)[:5])
        raise MonitoringInputError(
            f"{name} is not healthopt epoch records: entry {index} has none of an epoch "
            f"record's keys (it has {keys})"
        )
    return record


def folder_records(trial_dir: Path) -> list[EpochRecord]:
    """The folder's epoch records, validated; MonitoringInputError when they cannot be read."""
    path = Path(trial_dir) / OBSERVER_FILE
    if not Path(trial_dir).is_dir():
        raise MonitoringInputError(f"{trial_dir} is not a folder (give RUN/trials/trial_N)")
    if not path.is_file():
        raise MonitoringInputError(
            f"{trial_dir} has no {OBSERVER_FILE}: layer monitoring reads the epoch records a "
            "trial (or HealthMonitor.save) writes there"
        )
    try:
        return epoch_records(read_json(path), str(path))
    except JSONFileError as exc:
        raise MonitoringInputError(str(exc)) from None
    except (RecursionError, ValueError) as exc:
        if isinstance(exc, MonitoringInputError):
            raise
        raise MonitoringInputError(f"{path}: not readable JSON: {json_problem(exc)}") from None


def monitor_folder(
    trial_dir: Path, *, every: int | None = None, draw: bool = True, title: str = ""
) -> MonitoringFiles:
    """Write `trial_dir/monitoring/` from the folder's records (replacing what was there)."""
    from healthopt.monitoring.report import write_monitoring

    records = folder_records(trial_dir)
    return write_monitoring(
        records, Path(trial_dir) / MONITORING_DIR, every=every, draw=draw, title=title
    )
