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
from healthopt.records import EpochRecord, SchemaError, read_epochs

if TYPE_CHECKING:
    from healthopt.monitoring.report import MonitoringFiles

OBSERVER_FILE = "observer.json"


class MonitoringInputError(ValueError):
    """A trial folder whose epoch records are missing or unreadable; the message says which."""


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
        records = read_epochs(read_json(path))
    except JSONFileError as exc:
        raise MonitoringInputError(str(exc)) from None
    except SchemaError as exc:
        raise MonitoringInputError(f"{path}: not healthopt epoch records: {exc}") from None
    except (RecursionError, ValueError) as exc:
        raise MonitoringInputError(f"{path}: not readable JSON: {json_problem(exc)}") from None
    if not records:
        raise MonitoringInputError(f"{path} holds no epoch: there is nothing to monitor")
    return records


def monitor_folder(
    trial_dir: Path, *, every: int | None = None, draw: bool = True, title: str = ""
) -> MonitoringFiles:
    """Write `trial_dir/monitoring/` from the folder's records (replacing what was there)."""
    from healthopt.monitoring.report import write_monitoring

    records = folder_records(trial_dir)
    return write_monitoring(
        records, Path(trial_dir) / MONITORING_DIR, every=every, draw=draw, title=title
    )
