"""The run's Optuna study: where it is stored, which trials count, and who may run the next one.

One orchestrator uses a SQLite file in its run folder: trials it left RUNNING were
interrupted (killed, Ctrl-C) and are marked so when the run resumes. With an explicit
storage URL (PostgreSQL for several processes on several machines) the study is *shared*:
every process records a heartbeat per running trial; a trial whose heartbeat is older than
three intervals belongs to a process that died, is failed by whichever process notices, and
is queued once more (`RetryHeartbeatStaleTrialCallback(max_retry=1)`). A trial counts toward
the budget unless it was interrupted, retried as stale, or asked beyond the budget by a
process that lost the race for the last slot.
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback, fail_stale_trials
from optuna.trial import FrozenTrial, TrialState
from sqlalchemy import event
from sqlalchemy.exc import DatabaseError

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.optimize import results as results_io
from healthopt.optimize.search import make_pruner, make_sampler
from healthopt.records import Mode
from healthopt.redact import redact_url

CONFIG_ATTR = "healthopt_config"
METRIC_NAMES = ["total_score"]  # what optuna-dashboard calls the objective
PARETO_METRIC_NAMES = ["val_accuracy", "health"]  # pareto mode's two objectives
STALE_GRACE_HEARTBEATS = 3

# Heartbeats are used with ask/tell on purpose (trials run in executors, not in
# study.optimize); Optuna's notes about that, and about the API being experimental, are
# known and would only clutter every run's output.
warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used")
warnings.filterwarnings(
    "ignore",
    message=r".*(fail_stale_trials|RetryHeartbeatStaleTrialCallback|heartbeat_interval|"
    r"grace_period|heartbeat_stale_trial_callback|set_metric_names).*experimental",
)
# TPE's multivariate, group and constant_liar switches are marked experimental too.
warnings.filterwarnings("ignore", message=r"Argument ``\w+`` is an experimental feature")
_ACTIVE_STATES = (TrialState.RUNNING, TrialState.WAITING)


def _storage_error(url: str, exc: Exception) -> ConfigError:
    """One line naming the storage (password redacted) and the first line of the cause."""
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return ConfigError(f"storage {redact_url(url)}: {type(exc).__name__}: {first_line}")


def local_storage(url: str) -> RDBStorage:
    """The run folder's SQLite study, in write-ahead-log mode with `synchronous=NORMAL`.

    SQLite's default (rollback journal, full sync) waits for the disk on every commit, and
    Optuna commits each parameter and attribute on its own: some 40 commits per trial, up to
    14 ms each on a busy disk, which made the orchestrator's per-trial bookkeeping slower
    than a quick trial (issue 25). In WAL mode a commit is an append; NORMAL still survives
    the process being killed and loses at most the last commits on a power cut, which the
    run's resume re-runs as interrupted trials. Readers (the API, optuna-dashboard) read a
    WAL database as before; the `-wal` file beside study.db is folded in when the last
    connection closes.
    """
    storage = RDBStorage(url)
    event.listen(storage.engine, "connect", _write_ahead_log)
    storage.engine.dispose()  # connections made while creating the tables lack the pragmas
    return storage


def _write_ahead_log(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def sqlalchemy_url(url: str) -> str:
    """`postgresql://` as users write it, mapped to the driver that is installed: SQLAlchemy
    2.1 reads the bare scheme as psycopg 3, which `healthopt[postgres]` installs; an
    environment that has only psycopg2 gets it named explicitly."""
    if not url.startswith(("postgresql://", "postgres://")):
        return url
    rest = url.split("://", 1)[1]
    if importlib.util.find_spec("psycopg") is None and importlib.util.find_spec("psycopg2"):
        return f"postgresql+psycopg2://{rest}"
    return f"postgresql://{rest}"


@dataclass(frozen=True)
class BudgetView:
    """Where a study stands against its trial budget, from one read of its trials."""

    counted_finished: int  # finished trials that count toward the budget
    running: int  # RUNNING in any process
    waiting: int  # queued retries nobody has taken yet
    excluded: frozenset[int]  # trial numbers that do not count

    def open_slots(self, budget: int) -> int:
        """How many more trials may be asked: queued retries always may be, since each
        replaces a trial that no longer counts."""
        return max(self.waiting, budget - self.counted_finished - self.running - self.waiting)

    def complete(self, budget: int) -> bool:
        return self.counted_finished >= budget and self.running == 0 and self.waiting == 0


def stored_config(config: OptimizationConfig) -> dict:
    """The config as written to config.json and the study: the storage password redacted."""
    data = config.to_dict()
    if data.get("storage_url"):
        data["storage_url"] = redact_url(data["storage_url"])
    return data


def is_shared(config: OptimizationConfig) -> bool:
    return config.storage_url is not None


def open_study(
    config: OptimizationConfig,
    default_url: str,
    sampler: optuna.samplers.BaseSampler | None = None,
) -> optuna.Study:
    """Create or load the run's study; a shared one gets heartbeats and stale-trial retry.

    The sampler and pruner come from the config (`optimize.search`); `sampler` replaces the
    config's (benchmarks compare against Optuna's defaults this way)."""
    assert config.run_name is not None
    storage: RDBStorage
    if is_shared(config):
        try:
            storage = RDBStorage(
                sqlalchemy_url(config.storage_url or ""),
                heartbeat_interval=config.heartbeat_seconds,
                grace_period=config.heartbeat_seconds * STALE_GRACE_HEARTBEATS,
                heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=1),
            )
        except Exception as exc:  # SQLAlchemy raises many kinds for a bad URL or server
            raise _storage_error(config.storage_url or "", exc) from None
    else:
        try:
            storage = local_storage(default_url)
        except DatabaseError as exc:  # a corrupt study.db
            raise _storage_error(default_url, exc) from None
    pareto = config.mode is Mode.PARETO
    metric_names = PARETO_METRIC_NAMES if pareto else METRIC_NAMES
    try:
        study = optuna.create_study(
            study_name=config.run_name,
            storage=storage,
            directions=["maximize"] * len(metric_names),
            load_if_exists=True,
            pruner=make_pruner(config),
        )
    except DatabaseError as exc:  # a corrupt study.db, or a server that went away
        raise _storage_error(config.storage_url or default_url, exc) from None
    if len(study.directions) != len(metric_names):
        raise ConfigError(
            f"study {config.run_name!r} has {len(study.directions)} objective(s); "
            f"{config.mode} mode needs {len(metric_names)}: use another run name"
        )
    # A resumed run continues the seeded sequence instead of replaying its first draws.
    study.sampler = sampler or make_sampler(config, config.seed + len(study.trials))
    if study.metric_names != metric_names:
        study.set_metric_names(metric_names)
    if stored_study_config(study) is None:
        # Workers bring their own storage URL; the stored one never carries the password.
        # A system attribute: optuna-dashboard shows user attributes, and cuts them at 1,024
        # characters.
        study._storage.set_study_system_attr(study._study_id, CONFIG_ATTR, stored_config(config))
    if is_shared(config):
        fail_stale_trials(study)
    return study


def load_shared_config(storage_url: str, study_name: str) -> OptimizationConfig:
    """The configuration `healthopt optimize` stored in a shared study, for `healthopt worker`."""
    try:
        study = optuna.load_study(study_name=study_name, storage=sqlalchemy_url(storage_url))
    except KeyError:
        raise ConfigError(
            f"no study {study_name!r} in {redact_url(storage_url)}; start it with "
            f"`healthopt optimize --storage URL --study {study_name}`"
        ) from None
    except Exception as exc:
        raise _storage_error(storage_url, exc) from None
    data = stored_study_config(study)
    if data is None:
        raise ConfigError(f"study {study_name!r} was not created by healthopt optimize")
    return OptimizationConfig.from_dict(data)


def stored_study_config(study: optuna.Study) -> dict | None:
    """The config `healthopt optimize` stored in the study (studies made before it moved to
    the system attributes kept it among the user attributes)."""
    system = study._storage.get_study_system_attrs(study._study_id)
    data = system.get(CONFIG_ATTR, study.user_attrs.get(CONFIG_ATTR))
    return data if isinstance(data, dict) else None


def excluded_numbers(trials: Iterable[FrozenTrial]) -> frozenset[int]:
    """Trials that do not count: interrupted, asked beyond the budget, or stale and retried."""
    trials = list(trials)
    excluded = {
        t.number
        for t in trials
        if t.user_attrs.get(results_io.INTERRUPTED_ATTR)
        or t.user_attrs.get(results_io.OVER_BUDGET_ATTR)
    }
    for trial in trials:
        excluded.update(trial.system_attrs.get("retry_history", []))
    return frozenset(excluded)


def budget_view(study: optuna.Study) -> BudgetView:
    trials = study.get_trials(deepcopy=False)
    excluded = excluded_numbers(trials)
    finished = sum(
        1 for t in trials if t.state in results_io.FINISHED_STATES and t.number not in excluded
    )
    return BudgetView(
        counted_finished=finished,
        running=sum(1 for t in trials if t.state == TrialState.RUNNING),
        waiting=sum(1 for t in trials if t.state == TrialState.WAITING),
        excluded=excluded,
    )


def beyond_budget(study: optuna.Study, number: int, budget: int) -> bool:
    """Whether trial `number` came after the budget was taken: trial numbers are handed out
    in one order by the storage, so of two processes racing for the last slot exactly one
    sees `budget` counted trials before its own."""
    trials = study.get_trials(deepcopy=False)
    excluded = excluded_numbers(trials)
    ahead = sum(
        1
        for t in trials
        if t.number < number
        and t.number not in excluded
        and (t.state in results_io.FINISHED_STATES or t.state in _ACTIVE_STATES)
    )
    return ahead >= budget
