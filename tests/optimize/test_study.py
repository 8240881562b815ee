"""The shared-study policy on real SQLite storage: which trials count toward the budget, who
gets the last slot, and how a trial whose process stopped sending heartbeats is retried once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.storages import fail_stale_trials
from optuna.trial import TrialState

from healthopt.config import ConfigError, OptimizationConfig, ScoringWeights
from healthopt.optimize import results as results_io
from healthopt.optimize.study import (
    beyond_budget,
    budget_view,
    excluded_numbers,
    load_shared_config,
    open_study,
    redact_url,
    sqlalchemy_url,
    stored_config,
    stored_study_config,
)
from healthopt.records import (
    COMPLETE,
    HealthValues,
    Mode,
    RunResults,
    ScoreParts,
    StoredArtifact,
    TrialMetrics,
    TrialResult,
)

from ..http_server import unused_port

optuna.logging.set_verbosity(optuna.logging.WARNING)
# study.py silences these at import, but pytest resets warning filters around each test.
pytestmark = [
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
    pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used"),
]

DISTRIBUTIONS = {
    "learning_rate": FloatDistribution(1e-4, 1e-1, log=True),
    "units": IntDistribution(8, 64),
}
# SQLite's CURRENT_TIMESTAMP has one-second resolution, so staleness shows up between the
# three-second grace period and a second after it.
STALE_WAIT_S = 8.0


def _shared(tmp_path: Path, name: str = "s1", **overrides) -> OptimizationConfig:
    values = dict(
        run_name=name,
        storage_url=f"sqlite:///{tmp_path / 'shared.db'}",
        heartbeat_seconds=1,
        trials=2,
        output_dir=str(tmp_path),
    )
    values.update(overrides)
    return OptimizationConfig(**values)


def _result(number: int, val_accuracy: float = 0.8) -> dict:
    metrics = TrialMetrics(val_accuracy=val_accuracy)
    return TrialResult.create(
        trial_number=number, state=COMPLETE, metrics=metrics, epochs_run=1
    ).to_json()


def _failed(number: int, error: str) -> dict:
    return TrialResult.failed(number, error).to_json()


def _add(study: optuna.Study, state: TrialState, **kwargs) -> None:
    study.add_trial(
        optuna.create_trial(
            state=state,
            value=kwargs.pop("value", None),
            params={"learning_rate": 0.01, "units": 16},
            distributions=DISTRIBUTIONS,
            user_attrs=kwargs.pop("user_attrs", None),
            system_attrs=kwargs.pop("system_attrs", None),
        )
    )


def _wait_until_stale(study: optuna.Study, number: int, check) -> float:
    """Poll `check()` (which fails stale trials) until trial `number` is no longer RUNNING;
    returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < STALE_WAIT_S:
        check()
        if study.trials[number].state != TrialState.RUNNING:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"trial {number} still RUNNING after {STALE_WAIT_S} s")


# -- opening and loading -----------------------------------------------------------------
def test_open_study_creates_then_loads_and_keeps_the_first_config(tmp_path: Path):
    config = _shared(tmp_path, trials=3)
    study = open_study(config, default_url="sqlite:///unused.db")
    assert study.study_name == "s1" and stored_study_config(study) == config.to_dict()
    study.ask()

    again = open_study(_shared(tmp_path, trials=9), default_url="sqlite:///unused.db")
    assert len(again.trials) == 1
    assert stored_study_config(again)["trials"] == 3  # the creator's config stays
    assert not (Path.cwd() / "unused.db").exists()


def test_open_study_without_storage_url_uses_the_default_file(tmp_path: Path):
    config = OptimizationConfig(run_name="local", output_dir=str(tmp_path))
    study = open_study(config, default_url=f"sqlite:///{tmp_path / 'run.db'}")
    assert (tmp_path / "run.db").is_file()
    assert stored_study_config(study)["run_name"] == "local"


def test_load_shared_config_round_trips_what_open_study_stored(tmp_path: Path):
    config = _shared(
        tmp_path,
        trials=7,
        mode="health-aware",
        scoring_weights=ScoringWeights(accuracy_weight=0.6, health_weight=0.4),
        target_gpus_per_worker=2,
        trial_timeout_seconds=120.0,
    )
    open_study(config, default_url="sqlite:///unused.db")
    assert load_shared_config(config.storage_url, "s1") == config


def test_load_shared_config_names_a_missing_study(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(ConfigError) as caught:
        load_shared_config(url, "nope")
    message = str(caught.value)
    assert "no study 'nope'" in message
    assert "healthopt optimize --storage URL --study nope" in message


def test_load_shared_config_refuses_a_study_healthopt_did_not_make(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'foreign.db'}"
    optuna.create_study(study_name="foreign", storage=url)
    with pytest.raises(ConfigError, match="'foreign' was not created by healthopt optimize"):
        load_shared_config(url, "foreign")


def test_unreachable_storage_errors_hide_the_password(tmp_path: Path):
    url = f"postgresql+psycopg2://healthopt:pw-s3cret@127.0.0.1:{unused_port()}/optuna"
    with pytest.raises(ConfigError) as loading:
        load_shared_config(url, "s1")
    with pytest.raises(ConfigError) as opening:
        open_study(_shared(tmp_path, storage_url=url), default_url="sqlite:///unused.db")
    for caught in (loading, opening):
        message = str(caught.value)
        assert "pw-s3cret" not in message
        assert "healthopt:***@127.0.0.1" in message and "\n" not in message


def test_plain_postgresql_urls_stay_plain_with_psycopg_3_installed():
    # healthopt[postgres] ships psycopg 3, which SQLAlchemy 2.1 reads the bare scheme as, so the
    # URL users write is the one every tool (healthopt, optuna, optuna-dashboard) can open.
    assert sqlalchemy_url("postgresql://u:p@h:5432/db") == "postgresql://u:p@h:5432/db"
    assert sqlalchemy_url("postgres://u@h/db") == "postgresql://u@h/db"
    assert sqlalchemy_url("postgresql+psycopg2://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert sqlalchemy_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_optunas_own_tools_open_a_shared_study_by_its_plain_postgresql_url(
    tmp_path: Path, postgres_url: str
):
    assert postgres_url.startswith("postgresql://")  # no driver named: psycopg 3 by default
    config = _shared(tmp_path, name="plain-url", storage_url=postgres_url)
    study = open_study(config, default_url="sqlite:///unused.db")
    trial = study.ask(DISTRIBUTIONS)
    study.tell(trial, 0.75)
    loaded = optuna.load_study(study_name="plain-url", storage=postgres_url)
    assert stored_study_config(loaded)["run_name"] == "plain-url"
    assert [(t.params, t.value) for t in loaded.get_trials()] == [(trial.params, 0.75)]
    assert load_shared_config(postgres_url, "plain-url").run_name == "plain-url"
    # The optuna CLI is what optuna-dashboard users reach for first; it opens the same URL.
    listed = subprocess.run(
        [str(Path(sys.executable).with_name("optuna")), "studies", "--storage", postgres_url,
         "-f", "json"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert "plain-url" in {row["name"] for row in json.loads(listed.stdout)}


def test_the_stored_config_never_holds_the_storage_password(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/x.db"
    assert stored_config(_shared(tmp_path, storage_url=url))["storage_url"] == url
    config = OptimizationConfig(run_name="s", storage_url="postgresql://u:pw-s3cret@h/db")
    assert stored_config(config)["storage_url"] == "postgresql://u:***@h/db"


def test_opening_a_shared_study_prints_no_experimental_warning(tmp_path: Path):
    import subprocess
    import sys

    code = (
        "from healthopt.config import OptimizationConfig\n"
        "from healthopt.optimize.study import open_study\n"
        f"open_study(OptimizationConfig(run_name='s', storage_url='sqlite:///{tmp_path}/x.db'),"
        " 'sqlite:///unused.db')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "experimental" not in done.stderr.lower() and "Warning" not in done.stderr


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://user:s3cret@db.example:5432/optuna",
            "postgresql://user:***@db.example:5432/optuna",
        ),
        ("postgresql+psycopg2://u:p%40ss:w@h/db", "postgresql+psycopg2://u:***@h/db"),
        ("postgresql://user@h:5432/db", "postgresql://user@h:5432/db"),
        ("postgresql://h:5432/db", "postgresql://h:5432/db"),
        ("sqlite:////tmp/study.db", "sqlite:////tmp/study.db"),
    ],
)
def test_redact_url_hides_only_the_password(url: str, shown: str):
    assert redact_url(url) == shown


# -- what counts toward the budget -----------------------------------------------------------
def _crafted_study() -> optuna.Study:
    """0 complete, 1 interrupted, 2 over budget, 3 stale and retried as 5 (waiting),
    4 running, 6 failed for real, 7 pruned."""
    study = optuna.create_study(direction="maximize")
    _add(study, TrialState.COMPLETE, value=0.9)
    _add(study, TrialState.FAIL, user_attrs={results_io.INTERRUPTED_ATTR: True})
    _add(study, TrialState.FAIL, user_attrs={results_io.OVER_BUDGET_ATTR: True})
    _add(study, TrialState.FAIL)
    study.ask(DISTRIBUTIONS)  # 4: RUNNING
    _add(study, TrialState.WAITING, system_attrs={"failed_trial": 3, "retry_history": [3]})
    _add(study, TrialState.FAIL, system_attrs={results_io.RESULT_ATTR: _failed(6, "NaN")})
    _add(study, TrialState.PRUNED)
    return study


def test_interrupted_over_budget_and_retried_trials_do_not_count():
    study = _crafted_study()
    states = [t.state for t in study.trials]
    assert states[4] == TrialState.RUNNING and states[5] == TrialState.WAITING
    assert excluded_numbers(study.trials) == {1, 2, 3}
    view = budget_view(study)
    assert (view.counted_finished, view.running, view.waiting) == (3, 1, 1)  # 0, 6, 7
    assert view.excluded == {1, 2, 3}


def test_waiting_retries_take_slots_but_always_get_through():
    view = budget_view(_crafted_study())  # 3 counted, 1 running, 1 waiting
    assert view.open_slots(8) == 3  # 8 - 3 - 1 - 1: the queued retry holds a slot
    assert view.open_slots(5) == 1  # at the budget, the retry may still be asked
    assert view.open_slots(2) == 1
    assert not view.complete(3)  # counted, but a trial runs and a retry waits


def test_complete_once_counted_trials_reach_the_budget_and_nothing_is_active():
    study = optuna.create_study(direction="maximize")
    _add(study, TrialState.COMPLETE, value=0.5)
    _add(study, TrialState.FAIL, user_attrs={results_io.INTERRUPTED_ATTR: True})
    assert not budget_view(study).complete(2)
    assert budget_view(study).open_slots(2) == 1
    _add(study, TrialState.FAIL, system_attrs={results_io.RESULT_ATTR: _failed(2, "boom")})
    view = budget_view(study)
    assert view.complete(2) and view.open_slots(2) == 0


def test_exactly_one_of_two_racing_processes_gets_the_last_slot(tmp_path: Path):
    config = _shared(tmp_path, trials=2)
    first = open_study(config, default_url="sqlite:///unused.db")
    other = optuna.load_study(study_name="s1", storage=config.storage_url)
    done = first.ask(DISTRIBUTIONS)
    first.tell(done, 0.5)
    assert budget_view(first).open_slots(2) == budget_view(other).open_slots(2) == 1

    # Both saw one open slot and asked; the storage numbered them in one order.
    mine, theirs = first.ask(DISTRIBUTIONS), other.ask(DISTRIBUTIONS)
    verdicts = {
        mine.number: beyond_budget(first, mine.number, 2),
        theirs.number: beyond_budget(other, theirs.number, 2),
    }
    assert sorted(verdicts.values()) == [False, True]
    loser = theirs if verdicts[theirs.number] else mine
    winner = mine if loser is theirs else theirs
    assert loser.number > winner.number

    loser.set_user_attr(results_io.OVER_BUDGET_ATTR, True)
    (other if loser is theirs else first).tell(loser, state=TrialState.FAIL)
    assert not beyond_budget(first, winner.number, 2)  # asked again, the answer holds
    (first if winner is mine else other).tell(winner, 0.7)
    view = budget_view(first)
    assert view.counted_finished == 2 and view.complete(2) and view.excluded == {loser.number}


def test_a_queued_retry_is_not_beyond_the_budget_but_a_new_trial_is(tmp_path: Path):
    config = _shared(tmp_path, trials=2)
    study = open_study(config, default_url="sqlite:///unused.db")
    _add(study, TrialState.COMPLETE, value=0.5)
    _add(study, TrialState.FAIL)  # stale, retried as 2
    _add(study, TrialState.WAITING, system_attrs={"failed_trial": 1, "retry_history": [1]})
    retry = study.ask()
    assert retry.number == 2 and retry.params == {"learning_rate": 0.01, "units": 16}
    assert not beyond_budget(study, retry.number, 2)
    extra = study.ask(DISTRIBUTIONS)
    assert beyond_budget(study, extra.number, 2)


# -- stale trials ------------------------------------------------------------------------------
def test_a_stale_trial_is_failed_and_retried_once_with_the_same_params(tmp_path: Path):
    config = _shared(tmp_path)
    study = open_study(config, default_url="sqlite:///unused.db")
    storage = study._storage
    trial = study.ask(DISTRIBUTIONS)
    storage.record_heartbeat(trial._trial_id)
    fail_stale_trials(study)
    assert study.trials[0].state == TrialState.RUNNING  # fresh heartbeat: not stale yet

    waited = _wait_until_stale(study, 0, lambda: fail_stale_trials(study))
    assert waited >= 1.5  # grace is three heartbeats of 1 s
    original, retry = study.trials
    assert (original.state, retry.state) == (TrialState.FAIL, TrialState.WAITING)
    assert retry.params == original.params == trial.params
    assert retry.system_attrs["retry_history"] == [0]
    view = budget_view(study)
    assert (view.counted_finished, view.waiting, view.excluded) == (0, 1, {0})

    # The retry's process dies too: it is failed (found by a process opening the study)
    # but not retried a second time, and it counts as a failed trial.
    again = study.ask()
    assert again.number == 1
    storage.record_heartbeat(again._trial_id)
    _wait_until_stale(study, 1, lambda: open_study(config, default_url="sqlite:///unused.db"))
    assert [t.state for t in study.trials] == [TrialState.FAIL, TrialState.FAIL]
    view = budget_view(study)
    assert (view.counted_finished, view.running, view.waiting) == (1, 0, 0)

    payload = results_io.build_results(study, _results_config(2), None)
    errors = {t.number: t.error or "" for t in payload.trials}
    assert errors[0].endswith("retried as trial 1") and errors[0].startswith("stale:")
    assert errors[1].endswith("not retried")


def _results_config(trials: int) -> OptimizationConfig:
    return OptimizationConfig(run_name="s1", trials=trials)


def test_results_note_the_retry_and_leave_out_over_budget_trials():
    study = optuna.create_study(direction="maximize")
    _add(study, TrialState.FAIL)  # 0: stale
    _add(study, TrialState.FAIL, user_attrs={results_io.OVER_BUDGET_ATTR: True})  # 1
    _add(
        study,
        TrialState.COMPLETE,
        value=0.8,
        system_attrs={
            results_io.RESULT_ATTR: _result(2),
            "failed_trial": 0,
            "retry_history": [0],
        },
    )
    _add(study, TrialState.FAIL, system_attrs={results_io.RESULT_ATTR: _failed(3, "NaN loss")})
    payload = results_io.build_results(study, _results_config(3), None)
    records = {t.number: t for t in payload.trials}
    assert sorted(records) == [0, 2, 3]
    assert records[0].error == (
        "stale: the process running it stopped sending heartbeats; retried as trial 2"
    )
    assert records[2].error is None and records[2].metrics == TrialMetrics(val_accuracy=0.8)
    assert records[3].error == "NaN loss"  # a real failure is not called stale
    assert payload.best_trial == 2 and payload.best() == records[2]


def test_each_finished_trial_is_made_into_a_record_once_and_again_when_a_retry_names_it():
    """A run's TrialRecords: a record already made is the same object at the next trial
    boundary (no re-reading of stored results), unless a later trial re-ran it."""
    study = optuna.create_study(direction="maximize")
    _add(study, TrialState.FAIL)  # 0: stale, not retried yet
    _add(study, TrialState.COMPLETE, value=0.8, system_attrs={results_io.RESULT_ATTR: _result(1)})
    records = results_io.TrialRecords()
    first = {r.number: r for r in records.of(study)}
    assert first[0].error is not None and first[0].error.endswith("not retried")

    _add(study, TrialState.RUNNING)  # not finished: no record yet
    second = {r.number: r for r in records.of(study)}
    assert sorted(second) == [0, 1]
    assert second[0] is first[0] and second[1] is first[1]

    _add(
        study,
        TrialState.COMPLETE,
        value=0.7,
        system_attrs={results_io.RESULT_ATTR: _result(3, 0.7), "retry_history": [0]},
    )
    third = {r.number: r for r in records.of(study)}
    assert sorted(third) == [0, 1, 3]
    assert third[1] is first[1]
    assert third[0] is not first[0] and third[0].error is not None
    assert third[0].error.endswith("retried as trial 3")
    # A run's records give the same results.json as records made afresh.
    config = _results_config(3)
    assert results_io.build_results(study, config, None, made=records) == (
        results_io.build_results(study, config, None)
    )


def test_the_local_study_is_kept_in_write_ahead_log_mode(tmp_path: Path):
    """study.db commits are appends (WAL, synchronous NORMAL), not a disk sync each, and the
    file stays an ordinary SQLite study that a plain URL opens."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    study = open_study(_results_config(2), default_url=url)
    study.enqueue_trial({"units": 8})
    storage = study._storage._backend  # the RDBStorage under Optuna's cache
    with storage.engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    assert (journal, synchronous) == ("wal", 1)  # 1 is NORMAL
    again = optuna.load_study(study_name="s1", storage=url)
    assert len(again.trials) == 1


def test_a_corrupt_local_study_is_one_clear_error(tmp_path: Path):
    (tmp_path / "study.db").write_bytes(b"this is not a SQLite database, only text" * 100)
    with pytest.raises(ConfigError, match=r"storage sqlite:///.*study\.db: DatabaseError"):
        open_study(_results_config(2), default_url=f"sqlite:///{tmp_path / 'study.db'}")


# -- results.json from what the study stores ------------------------------------------------
# A trial's result and score as today's main stores them (before records were typed): partial
# metrics, "no artifact" as an empty object, and a score holding the total and the accuracy.
LEGACY_RESULT = {
    "trial_number": 0,
    "state": "COMPLETE",
    "metrics": {"val_accuracy": 0.9, "test_accuracy": 0.85},
    "timings": {"fit_seconds": 3.5},
    "epochs_run": 2,
    "num_parameters": 1234,
    "artifacts": {"model": "model.keras"},
    "health": {"gradient_health": 0.5, "training_stability": None},
    "health_reasons": {"training_stability": "too few epochs"},
    "diagnostics": {"health_score": 87, "issue_count": 1, "severity_counts": {"low": 1}},
    "analysis": {},
    "error": None,
    "artifact": {},
    "schema_version": 1,
}
LEGACY_SCORE = {
    "total": 0.78,
    "accuracy": 0.9,
    "health": 0.5,
    "component_weights_used": {"gradient_health": 1.0},
    "missing_components": ["training_stability"],
}


def test_a_trial_stored_by_the_previous_release_reads_as_a_typed_record():
    study = optuna.create_study(direction="maximize")
    attrs = {
        results_io.LEGACY_RESULT_ATTR: LEGACY_RESULT,
        results_io.LEGACY_SCORE_ATTR: LEGACY_SCORE,
    }
    _add(study, TrialState.COMPLETE, value=0.78, user_attrs=attrs)
    record = results_io.trial_record(study.trials[0])

    assert (record.number, record.state) == (0, "COMPLETE")
    assert record.value == record.total_score == 0.78
    assert record.metrics == TrialMetrics(val_accuracy=0.9, test_accuracy=0.85)
    assert record.health == HealthValues(gradient_health=0.5)
    assert record.health_reasons == {"training_stability": "too few epochs"}
    assert record.diagnostics.health_score == 87
    assert record.diagnostics.severity_counts == {"low": 1}
    assert record.artifact is None and record.error is None and not record.interrupted
    # results.json keeps how the total was made (the accuracy is in the metrics); a score
    # from before issue 20 has no rule, so nobody reads its health as skill-gated.
    assert record.score == ScoreParts(
        health=0.5,
        component_weights_used={"gradient_health": 1.0},
        missing_components=["training_stability"],
        total=0.78,
    )
    assert record.score.rule is None
    assert record.score.unknown_keys() == ()


def test_results_round_trip_through_the_file_with_a_remote_trials_artifact(tmp_path: Path):
    artifact = StoredArtifact(key="r/trial_0/job-1.zip", sha256="ab" * 32, size_bytes=10)
    stored = TrialResult.from_json(_result(0)).model_copy(update={"artifact": artifact})
    study = optuna.create_study(direction="maximize")
    _add(
        study,
        TrialState.COMPLETE,
        value=0.8,
        system_attrs={results_io.RESULT_ATTR: stored.to_json()},
    )
    interrupted = {results_io.INTERRUPTED_ATTR: True, "result": _failed(1, "interrupted")}
    _add(study, TrialState.FAIL, user_attrs=interrupted)
    weights = ScoringWeights.for_mode(Mode.HEALTH_AWARE)
    config = OptimizationConfig(run_name="s1", trials=2, mode=Mode.HEALTH_AWARE)
    results = results_io.build_results(study, config, None)
    path = tmp_path / "results.json"
    path.write_text(results.to_json_text())

    again = RunResults.from_json(path.read_text())
    assert again == results and again.schema_version == RunResults.SCHEMA_VERSION
    assert json.loads(path.read_text())["mode"] == "health-aware"
    assert again.scoring_weights.health_weight == weights.health_weight
    assert again.trial(0).artifact == artifact and again.trial(1).interrupted
    assert again.trial(1).error == "interrupted" and again.best_trial == 0


def test_an_unreadable_stored_result_costs_that_trial_its_figures_not_the_file():
    study = optuna.create_study(direction="maximize")
    _add(study, TrialState.FAIL, system_attrs={results_io.RESULT_ATTR: {"state": "MAYBE"}})
    _add(study, TrialState.COMPLETE, value=0.8, system_attrs={results_io.RESULT_ATTR: _result(1)})
    results = results_io.build_results(study, _results_config(2), None)
    broken, fine = results.trials
    assert broken.error is not None
    assert broken.error.startswith("its stored result is unreadable: not a valid TrialResult")
    assert broken.metrics == TrialMetrics() and fine.metrics.val_accuracy == 0.8
