"""A run folder's config.json: written when a run starts, checked when the same run name resumes.

A resume may change how the run is carried out (budget, workers, storage, timeouts) but not what
its trials mean: the settings that shape a trial must match, and so must the data. The data is
compared by fingerprint (`healthopt.data.fingerprint`), so an `npz:` file replaced at the same
path is refused before any trial runs instead of mixing trials trained on different arrays
into one results table. A refusal deletes and rewrites nothing.

A shared study has one more way to mix data: a `healthopt worker` on another machine, with its
own copy of the `npz:` file and its own run folder. The process that creates a shared study
records the fingerprint in it too, and every process that joins compares its data with that.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import optuna

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.data import DatasetError
from healthopt.data.fingerprint import DataFingerprint, fingerprint_dataset
from healthopt.jsonio import write_json_atomic
from healthopt.optimize.study import stored_config

log = logging.getLogger(__name__)
CONFIG_FILE = "config.json"
DATA_KEY = "data_fingerprint"
# Settings that may change when a run is resumed; anything else must match config.json.
RESUMABLE_CHANGES = frozenset(
    {
        "trials",
        "concurrent_workers",
        "timeout_seconds",
        "run_name",
        "output_dir",
        "storage_url",
        "use_runpod_service",
        "require_runpod",
        "target_gpus_per_worker",
        "trial_timeout_seconds",
        "heartbeat_seconds",
        "mlflow_uri",
    }
)


class DataChanged(ConfigError):
    """A resume would train on other data than the run's finished trials were; nothing ran."""


def prepare_run_dir(run_dir: Path, config: OptimizationConfig) -> DataFingerprint | None:
    """Write config.json for a new run; for a resume, first check it against the one there.

    Returns the fingerprint of the data this process will train on (None for a dataset pinned
    by its name). Raises ConfigError (DataChanged for the data) when the resume would change
    what a trial means. A config.json from before data fingerprints resumes with a logged note,
    and stays without one: recording the data now would bless data its trials may not have seen.
    """
    path = run_dir / CONFIG_FILE
    current: dict[str, Any] = stored_config(config)
    fingerprint = _fingerprint(config)
    if not path.exists():
        run_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, {**current, DATA_KEY: _entry(fingerprint)})
        return fingerprint
    previous = json.loads(path.read_text())
    _check_settings(config, previous, current)
    if DATA_KEY in previous:
        current[DATA_KEY] = _check_data(config, previous[DATA_KEY], fingerprint, "started")
    else:
        log.warning(
            "run %r started before healthopt recorded its data's fingerprint: the data of "
            "%s could not be checked against its finished trials, and none is recorded now",
            config.run_name,
            config.dataset_name,
        )
    write_json_atomic(path, current)
    return fingerprint


def check_study_data(
    study: optuna.Study, config: OptimizationConfig, fingerprint: DataFingerprint | None
) -> None:
    """Compare this process's data with the fingerprint the study was created with.

    The process that creates the study (no trials yet) records it. A study that has trials but
    no fingerprint predates them: it is logged and left unrecorded, as for config.json.
    """
    if DATA_KEY in study.user_attrs:
        _check_data(config, study.user_attrs[DATA_KEY], fingerprint, "was created")
    elif not study.trials:
        study.set_user_attr(DATA_KEY, _entry(fingerprint))
    else:
        log.warning(
            "study %r started before healthopt recorded its data's fingerprint: the data of "
            "%s could not be checked against its finished trials",
            config.run_name,
            config.dataset_name,
        )


def _fingerprint(config: OptimizationConfig) -> DataFingerprint | None:
    assert config.split_seed is not None  # OptimizationConfig fills it in from the seed
    return fingerprint_dataset(config.dataset_name, config.split_seed)


def _entry(fingerprint: DataFingerprint | None) -> dict[str, Any] | None:
    # None: a dataset pinned by its name, not loaded by the orchestrator (see fingerprint_dataset)
    return fingerprint.to_dict() if fingerprint is not None else None


def _check_settings(config: OptimizationConfig, previous: dict, current: dict) -> None:
    """A setting config.json does not hold did not exist when the run started: it matches
    when it is left at its default (e.g. `pruner`, for a run from before pruning)."""
    defaults = OptimizationConfig().to_dict()
    changed = sorted(
        k
        for k in current
        if k not in RESUMABLE_CHANGES and previous.get(k, defaults.get(k)) != current[k]
    )
    if changed:
        raise ConfigError(
            f"run {config.run_name!r} already exists with different settings "
            f"({', '.join(changed)}); resume it with the same settings or choose "
            "another run name"
        )


def _check_data(
    config: OptimizationConfig, recorded: dict | None, now: DataFingerprint | None, since: str
) -> dict | None:
    """The fingerprint entry to keep, once `now` is known to be the data `recorded` describes."""
    if recorded is None or now is None:
        if now is not None or recorded is not None:
            # Only if what healthopt fingerprints changed between versions; keep what was.
            log.warning(
                "run %r: the data of %s could not be checked against its finished trials",
                config.run_name,
                config.dataset_name,
            )
        return recorded
    try:
        before = DataFingerprint.from_dict(recorded)
    except DatasetError as exc:
        raise ConfigError(f"run {config.run_name!r}: {CONFIG_FILE}: {DATA_KEY}: {exc}") from None
    changes = now.changes_since(before)
    if changes:
        raise DataChanged(
            f"the dataset {config.dataset_name} changed since run {config.run_name!r} {since}: "
            f"{'; '.join(changes)}. Its finished trials are kept; to train on this data, "
            "start a new run under another --run-name"
        )
    return recorded
