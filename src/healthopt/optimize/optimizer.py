"""ModelOptimizer: the Optuna study that suggests trials, dispatches them, and keeps results.

The optimizer asks Optuna for a trial, turns it into a TrialSpec, hands it to an executor,
and tells Optuna the outcome. It never imports TensorFlow. As trials finish it rewrites
results.json (at most once a second, `optimize.results_file`); after the last one it
assembles the best model. Ctrl-C, or `request_stop()` from another thread (the API's
cancel), cancels the trials in flight, keeps every finished one, and the same run name
resumes the run.

With a shared study (an explicit storage URL, see `study.py`) several processes run trials
of one study: `healthopt optimize` (role "orchestrator") and any number of `healthopt worker`s
(role "worker"). Each keeps a heartbeat per trial it runs, takes queued retries of trials
whose process died, and stays until the study has its budget and nothing runs; only the
orchestrator assembles the best model.

Pruning: each trial is submitted with a judge (`_judge_for`). After every epoch the executor
hands it the epoch's event; the judge reports the validation accuracy to Optuna as the
intermediate value, stores any health alarm the worker raised, and asks the study's pruner
(`optimize.search`), which in a shared study compares against every process's trials. A
pruned trial stops at that epoch, is told PRUNED with its epoch and reason, and is never the
best. Each trial's user attributes are flat figures optuna-dashboard can sort and show.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages import fail_stale_trials
from optuna.trial import TrialState

from healthopt.artifacts.base import sha256_file
from healthopt.artifacts.integrity import ModelCorrupt
from healthopt.config import ConfigError, OptimizationConfig
from healthopt.data import lookup
from healthopt.health.scoring import ScoreBreakdown, total_score
from healthopt.hypermodel import HypermodelError, entry_point_of
from healthopt.hypermodel.entry_points import Build
from healthopt.jsonio import write_json_atomic
from healthopt.models.search_space import HyperparameterSelector
from healthopt.optimize import results as results_io
from healthopt.optimize.assembly import (
    assemble_best,
    check_model,
    fetch_missing_trial,
    plots_dir,
    remove_assembly,
    trial_dir,
)
from healthopt.optimize.baselines import BaselineMeasurement
from healthopt.optimize.executors import (
    EpochJudge,
    EventCallback,
    Executor,
    JobSubmitted,
    create_executor,
)
from healthopt.optimize.inflight import InFlightTrials
from healthopt.optimize.results_file import ResultsFile
from healthopt.optimize.resume import CONFIG_FILE, check_study_data, prepare_run_dir
from healthopt.optimize.search import HEALTH_ALARM_ATTR, pruner_name
from healthopt.optimize.space import TrialNotDrawn, search_space
from healthopt.optimize.study import (
    beyond_budget,
    budget_view,
    is_shared,
    open_study,
)
from healthopt.optimize.tracking import RunTracking, check_trackers
from healthopt.progress import OptimizationProgress
from healthopt.records import (
    EpochEndEvent,
    HealthAlarm,
    Mode,
    NoticeEvent,
    PlotsDrawnEvent,
    PruneInfo,
    RunEvent,
    RunFinishedEvent,
    RunResults,
    RunStartedEvent,
    TrialFinishedEvent,
    TrialMetrics,
    TrialRecord,
    TrialResult,
    TrialSpec,
)
from healthopt.records.pruning import PRUNED
from healthopt.records.trial import ParamValue

log = logging.getLogger(__name__)
ROLES = ("orchestrator", "worker")

# The pruner does not stop a trial in the last fifth of its epochs (`_too_late_to_prune`).
LATE_PRUNE_FRACTION = 0.2
# How often the trial loop looks for a stop request while trials run.
_STOP_POLL_SECONDS = 0.25

optuna.logging.set_verbosity(optuna.logging.WARNING)


class RunStopped(Exception):
    """The run was stopped by `request_stop()`; finished trials are kept, in-flight ones are
    marked interrupted, and the same run name resumes it."""


class RunFolderDeleted(ConfigError):
    """The run folder was deleted while the run was going on: its study.db went with it, so
    what the storage then raises (a "readonly database" commit error) says nothing useful.
    The CLI and the API report this instead, in one line, as they do a corrupt study.db."""


STUDY_FILE = "study.db"  # a local study's storage, in its run folder


@dataclass(frozen=True)
class OptimizationResult:
    """What a run produced; the same facts results.json holds."""

    run_name: str
    run_dir: Path
    dataset: str
    best_trial: int | None
    best_value: float | None
    best_params: dict[str, ParamValue]
    best_metrics: TrialMetrics
    optimized_model_path: Path | None
    trials: list[TrialRecord] = field(default_factory=list)

    @property
    def best_total_score(self) -> float | None:
        return self.best_value

    @property
    def results_path(self) -> Path:
        return self.run_dir / "results.json"


def default_run_name(config: OptimizationConfig) -> str:
    # A file dataset's name holds a path and options (csv:data/x.csv?label=y): keep what a
    # folder name may hold, and its last 60 characters, which must not start with "-" (a cut
    # inside "pytest-of-root" made "-root_...", which a run name may not be).
    dataset = re.sub(r"[^A-Za-z0-9_-]+", "_", config.dataset_name)[-60:].strip("_-") or "data"
    return f"{dataset}_{config.mode}_{datetime.now():%Y%m%d-%H%M%S}"


def _with_hypermodel(config: OptimizationConfig, hypermodel: Build | None) -> OptimizationConfig:
    """The config naming a given build(hp) by its entry point, which every process imports."""
    if hypermodel is None:
        return config
    try:
        entry_point = entry_point_of(hypermodel)
    except HypermodelError as exc:
        raise ConfigError(f"hypermodel: {exc}") from None
    if config.model not in (None, entry_point):
        raise ConfigError(
            f"the hypermodel given is {entry_point!r} but config.model names {config.model!r}"
        )
    return replace(config, model=entry_point)


def score_trial(result: TrialResult, config: OptimizationConfig) -> ScoreBreakdown:
    """The trial's score: validation accuracy mixed with its skill-gated health by the run's
    weights (accuracy alone in simple mode; `health.scoring`). In pareto mode Optuna gets
    the accuracy and the health term as two objectives, and the total is kept beside them."""
    assert config.scoring_weights is not None  # OptimizationConfig fills in the mode's defaults
    accuracy = result.metrics.val_accuracy
    if accuracy is None:
        raise ValueError(f"trial {result.trial_number} completed without a val_accuracy")
    return total_score(
        accuracy, result.health, config.scoring_weights, result.metrics.chance_accuracy
    )


def _figure(value: float | None) -> str:
    return "unmeasured" if value is None else f"{value:.4f}"


def _too_late_to_prune(event: EpochEndEvent) -> bool:
    """Whether stopping here would save under `LATE_PRUNE_FRACTION` of the trial's epochs.

    Such a stop costs more than it saves: a trial that got this far has passed the pruner's
    earlier rungs, is usually competitive (Hyperband's last rung at 10 epochs is epoch 9),
    and one more epoch decides it. A health alarm still stops it: that trial is broken.
    """
    return event.epochs - event.epoch < max(1, math.ceil(LATE_PRUNE_FRACTION * event.epochs))


def _health_prune(alarm: HealthAlarm, epoch: int) -> PruneInfo:
    return PruneInfo(
        pruned_by="health", check=alarm.check, epoch=epoch, reason=f"health: {alarm.message}"
    )


class ModelOptimizer:
    """Runs one optimization described by an OptimizationConfig.

    `executor` defaults to a LocalExecutor with `concurrent_workers` processes; `selector`
    defaults to the search space for the dataset's modality; `hypermodel` is a user's own
    `build(hp) -> keras.Model` instead (`healthopt.hypermodel`; the same as naming it in
    `config.model`); `on_event` receives progress
    events (`records.RunEvent`: run_started, trial_started, epoch_end, trial_finished,
    plots_drawn, notice, run_finished). The executor the optimizer makes reports RunPod job
    ids on its control channel, never among the events. `progress=True` shows the run's
    progress (`progress.OptimizationProgress`: trials done of N with an ETA and an epoch bar
    per trial on a terminal, one line per finished trial off one) while `optimize_model` runs.
    """

    def __init__(
        self,
        config: OptimizationConfig,
        executor: Executor | None = None,
        selector: HyperparameterSelector | None = None,
        on_event: EventCallback | None = None,
        role: str = "orchestrator",
        sampler: optuna.samplers.BaseSampler | None = None,
        hypermodel: Build | None = None,
        progress: bool = False,
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES} (got {role!r})")
        if role == "worker" and not is_shared(config):
            raise ConfigError("a worker joins a shared study: give the storage URL")
        self.role = role
        config = _with_hypermodel(config, hypermodel)
        self.run_name = config.run_name or default_run_name(config)
        self.config = config.with_run_name(self.run_name)
        # OptimizationConfig's __post_init__ filled it in; bound with the type it now has.
        assert config.split_seed is not None
        self.split_seed: int = config.split_seed
        self.modality = lookup(config.dataset_name).modality
        self.space = search_space(config, self.modality, self.split_seed, selector, hypermodel)
        check_trackers(config)
        self._tracking: RunTracking | None = None
        self._executor = executor
        self._sampler = sampler  # None: the config's (`optimize.search.make_sampler`)
        self.on_event = on_event
        # progress=True: the same bars and lines as `healthopt optimize`, for a script or a
        # notebook; it gets every event on_event gets.
        self._progress = OptimizationProgress() if progress else None
        self.run_dir = Path(self.config.output_dir) / self.run_name
        self._stop = threading.Event()
        self._folder_deleted = threading.Event()
        self._in_flight = InFlightTrials()
        self._records = results_io.TrialRecords()
        self._results_file = ResultsFile(self.run_dir)
        self._baselines: BaselineMeasurement | None = None  # started by optimize_model

    # -- public ------------------------------------------------------------------------
    def request_stop(self) -> None:
        """Ask a running `optimize_model()` (in another thread) to stop soon with RunStopped."""
        self._stop.set()

    def optimize_model(self) -> OptimizationResult:
        if self._progress is None:
            return self._optimize_model()
        with self._progress:  # the live bars end with the run, however it ends
            return self._optimize_model()

    def _optimize_model(self) -> OptimizationResult:
        fingerprint = prepare_run_dir(self.run_dir, self.config)
        self._baselines = BaselineMeasurement(
            self.run_dir, self.config.dataset_name, self.split_seed, self.role != "worker"
        )
        study = self._open_study()
        if is_shared(self.config):
            check_study_data(study, self.config, fingerprint)
        finished = budget_view(study).counted_finished
        self._emit(
            RunStartedEvent(
                run_name=self.run_name,
                trials_total=self.config.trials,
                trials_done=finished,
                run_dir=str(self.run_dir),
            )
        )
        self._tracking = RunTracking(self.config, self._notice)
        try:
            return self._optimize(study, self._tracking)
        finally:
            self._tracking.close()

    def _optimize(self, study: optuna.Study, tracking: RunTracking) -> OptimizationResult:
        """Run the trials, then (as orchestrator) choose and assemble the best model."""
        owns_executor = self._executor is None
        executor = self._executor or create_executor(
            self.config, self.run_dir, self._emit, on_control=self._job_submitted
        )
        in_flight: dict[Future[TrialResult], optuna.Trial] = {}
        try:
            self._run_trials(study, executor, in_flight)
        except RunFolderDeleted:
            executor.shutdown(cancel=True)  # nothing is left to record what they would find
            raise
        except (KeyboardInterrupt, RunStopped):
            executor.shutdown(cancel=True)
            with self._run_folder_kept():
                for trial in in_flight.values():
                    self._in_flight.finished(trial)
                    self._mark_interrupted(study, trial)
                self._write_results(study, optimized_model_path=None)
            raise
        finally:
            if owns_executor:
                executor.shutdown()
            self._in_flight.close()
        if self.role == "worker":
            return self._result(self._write_results(study, optimized_model_path=None), None, None)
        with self._run_folder_kept():  # the best model is assembled into the run folder
            result = self._finish(study)
        tracking.run_finished(result.best_trial, result.results_path)
        self._emit(RunFinishedEvent(best_trial=result.best_trial, best_value=result.best_value))
        return result

    # -- the loop ----------------------------------------------------------------------
    def _run_trials(
        self,
        study: optuna.Study,
        executor: Executor,
        in_flight: dict[Future[TrialResult], optuna.Trial],
    ) -> None:
        deadline = (
            time.monotonic() + self.config.timeout_seconds if self.config.timeout_seconds else None
        )
        shared = is_shared(self.config)
        next_stale_check = 0.0
        view = budget_view(study)
        while True:
            if self._stop.is_set():
                raise RunStopped(f"run {self.run_name!r} was stopped")
            # A judge found it gone mid-trial, or it went between trials. Looked for, not
            # left to a failing write: the study's write-ahead log goes on appending to a
            # deleted file without an error (`optimize.study.local_storage`).
            if self._folder_deleted.is_set() or self._run_folder_deleted():
                raise self._folder_deleted_error()
            self._in_flight.store_job_ids(study, in_flight.values())
            if shared and time.monotonic() >= next_stale_check:
                # Another process may have died holding trials; fail and re-queue them.
                fail_stale_trials(study)
                view = budget_view(study)
                next_stale_check = time.monotonic() + self.config.heartbeat_seconds
            while (
                len(in_flight) < executor.capacity
                and view.open_slots(self.config.trials) > 0
                and (deadline is None or time.monotonic() < deadline)
            ):
                with self._run_folder_kept():
                    trial = study.ask()
                    if shared and beyond_budget(study, trial.number, self.config.trials):
                        trial.set_user_attr(results_io.OVER_BUDGET_ATTR, True)
                        study.tell(trial, state=TrialState.FAIL)
                        view = budget_view(study)
                        break
                self._in_flight.started(study, trial)
                in_flight[self._submit(executor, trial)] = trial
                view = budget_view(study)
            if not in_flight and (not shared or view.complete(self.config.trials)):
                return
            if not in_flight and deadline is not None and time.monotonic() >= deadline:
                return
            if not in_flight:
                # A shared study's other processes still run trials: wait for them without
                # spinning, and look again at where the study stands.
                self._stop.wait(_STOP_POLL_SECONDS)
                view = budget_view(study)
                continue
            done, _ = wait(in_flight, timeout=_STOP_POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                trial = in_flight.pop(future)
                self._in_flight.finished(trial)
                with self._run_folder_kept():
                    self._in_flight.store_job_ids(study, [trial])
                    self._tell(study, trial, future.result())
            if done:
                view = budget_view(study)

    def _submit(self, executor: Executor, trial: optuna.Trial) -> Future[TrialResult]:
        """Hand the trial to the executor; a trial whose model cannot be made fails here,
        with its reason, and the run goes on."""
        try:
            spec = self._spec_for(trial)
        except TrialNotDrawn as exc:
            log.warning("trial %s failed before training: %s", trial.number, exc)
            failed: Future[TrialResult] = Future()
            failed.set_result(TrialResult.failed(trial.number, str(exc)))
            return failed
        return executor.submit(spec, self._judge_for(trial))

    def _spec_for(self, trial: optuna.Trial) -> TrialSpec:
        drawn = self.space.draw(trial)
        return TrialSpec.create(
            run_name=self.run_name,
            trial_number=trial.number,
            dataset_name=self.config.dataset_name,
            split_seed=self.split_seed,
            seed=self.config.seed + trial.number,
            epochs=drawn.epochs,
            model_settings=drawn.model_settings,
            params=drawn.params,
            hypermodel=drawn.hypermodel,
            gpus_per_worker=self.config.target_gpus_per_worker,
            output_dir=str(trial_dir(self.run_dir, trial.number).resolve()),
            plots_dir=(
                str(plots_dir(self.run_dir, trial.number).resolve())
                if self.config.plot_generation == "all"
                else None
            ),
            health_pruning=self.config.health_pruning,
            chance_patience_epochs=self.config.chance_patience_epochs,
            monitor_every_epochs=self.config.monitor_every_epochs,
        )

    def _judge_for(self, trial: optuna.Trial) -> EpochJudge:
        """The trial's judge, asked by the executor after each epoch (from its thread)."""
        pruner = pruner_name(self.config)
        reported: set[int] = set()  # a resubmitted RunPod job reports its epochs again
        # A two-objective trial cannot report an intermediate value nor ask a pruner (Optuna
        # raises); there the judge stops a trial on a health alarm alone.
        two_objectives = self.config.mode is Mode.PARETO

        def judge(event: EpochEndEvent) -> PruneInfo | None:
            try:
                return decide(event)
            except Exception:
                if not self._run_folder_deleted():
                    raise
                # Its results have nowhere to go: the trial loop ends the run at its next look.
                self._folder_deleted.set()
                return None

        def decide(event: EpochEndEvent) -> PruneInfo | None:
            if self._run_folder_deleted():
                self._folder_deleted.set()  # the trial loop ends the run at its next look
                return None
            if two_objectives:
                alarm = event.health_alarm if self.config.health_pruning else None
                if alarm is None or event.epoch >= event.epochs:
                    return None
                return _health_prune(alarm, event.epoch)
            if event.val_accuracy is not None and event.epoch not in reported:
                trial.report(event.val_accuracy, event.epoch)
                reported.add(event.epoch)
            alarm = event.health_alarm if self.config.health_pruning else None
            if alarm is not None:
                study_storage = trial.study._storage
                study_storage.set_trial_system_attr(
                    trial._trial_id, HEALTH_ALARM_ATTR, alarm.to_json()
                )
            if event.epoch >= event.epochs:
                return None  # the last epoch: stopping now saves nothing
            if alarm is None and _too_late_to_prune(event):
                return None  # decided before asking the pruner, which reads the whole study
            if not trial.should_prune():
                return None
            if alarm is not None:
                return _health_prune(alarm, event.epoch)
            return PruneInfo(
                pruned_by="pruner",
                pruner=pruner,
                epoch=event.epoch,
                reason=(
                    f"{pruner} pruner: val_accuracy {_figure(event.val_accuracy)} at epoch "
                    f"{event.epoch} is behind the other trials at that epoch"
                ),
            )

        return judge

    def _tell(self, study: optuna.Study, trial: optuna.Trial, result: TrialResult) -> None:
        if self._folder_deleted.is_set() or self._run_folder_deleted():
            raise self._folder_deleted_error()  # its result has nowhere to go
        total = None
        try:
            storage = study._storage
            storage.set_trial_system_attr(trial._trial_id, results_io.RESULT_ATTR, result.to_json())
            score = score_trial(result, self.config) if result.ok else None
            health = score.health if score is not None else None
            for key, value in results_io.flat_attrs(result, health).items():
                trial.set_user_attr(key, value)
            if score is not None:
                storage.set_trial_system_attr(
                    trial._trial_id, results_io.SCORE_ATTR, score.parts().to_json()
                )
                total = score.total
                if self.config.mode is Mode.PARETO:
                    study.tell(trial, [score.accuracy, score.health or 0.0])
                else:
                    study.tell(trial, total)
            elif result.state == PRUNED:
                study.tell(trial, state=TrialState.PRUNED)
            else:
                study.tell(trial, state=TrialState.FAIL)
        except UpdateFinishedTrialError:
            # Another process judged this trial stale (our heartbeat stalled) and failed it;
            # its retry carries the work on, so this result is dropped, not fatal.
            log.warning(
                "trial %s was already finished by another process; result kept only in its folder",
                trial.number,
            )
            return
        results = self._build_results(study, optimized_model_path=None)
        with self._run_folder_kept():  # quick trials share a write (`optimize.results_file`)
            self._results_file.write_due(results)
        record = results.trial(trial.number)
        if record is not None and self._tracking is not None:
            self._tracking.trial_finished(record, trial_dir(self.run_dir, trial.number))
        self._emit(
            TrialFinishedEvent(
                trial_number=trial.number,
                state=result.state,
                error=result.error,
                metrics=result.metrics,
                total_score=total,
                trials_done=budget_view(study).counted_finished,
                trials_total=self.config.trials,
                best_trial=results.best_trial,
                best_value=results.best_value,
                pruned=result.pruned,
            )
        )

    # -- run folder, study, results -----------------------------------------------------
    def _storage_url(self) -> str:
        if self.config.storage_url:
            return self.config.storage_url
        return f"sqlite:///{(self.run_dir / STUDY_FILE).resolve()}"

    def _run_folder_deleted(self) -> bool:
        """Whether the run folder was deleted under the run: its config.json, written before
        the first trial, is gone (a trial may have made the folder again for its own files),
        or, for a local study, its study.db."""
        if not (self.run_dir / CONFIG_FILE).is_file():
            return True
        return not is_shared(self.config) and not (self.run_dir / STUDY_FILE).is_file()

    def _folder_deleted_error(self) -> RunFolderDeleted:
        lost = (
            "the files of its trials are lost (the shared study keeps their results)"
            if is_shared(self.config)
            else "its trials are lost"
        )
        # A server turns the folder into its name under the results directory.
        return RunFolderDeleted(
            f"the run folder {self.run_dir} was deleted while the run was going on; {lost}"
        )

    @contextmanager
    def _run_folder_kept(self) -> Iterator[None]:
        """Report a storage or file error caused by a deleted run folder as RunFolderDeleted.

        Around the places the run writes to its study or folder (ask, tell, marking trials
        interrupted, results.json, assembly); an error there while the folder still exists
        is re-raised as it is.
        """
        try:
            yield
        except RunFolderDeleted:
            raise
        except Exception:
            if self._run_folder_deleted():
                raise self._folder_deleted_error() from None
            raise

    def _open_study(self) -> optuna.Study:
        study = open_study(self.config, self._storage_url(), sampler=self._sampler)
        if not is_shared(self.config):
            # One process owns this study: what it left RUNNING was interrupted (killed, or
            # Ctrl-C before it could tell). Shared studies rely on heartbeats instead.
            for stale in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
                self._mark_interrupted(study, optuna.trial.Trial(study, stale._trial_id))
        return study

    @staticmethod
    def _mark_interrupted(study: optuna.Study, trial: optuna.Trial) -> None:
        trial.set_user_attr(results_io.INTERRUPTED_ATTR, True)
        result = TrialResult.failed(
            trial.number,
            "interrupted before the trial finished; it is not counted and the "
            "run can be resumed with the same run name",
        )
        study._storage.set_trial_system_attr(
            trial._trial_id, results_io.RESULT_ATTR, result.to_json()
        )
        for key, value in results_io.flat_attrs(result, None).items():
            trial.set_user_attr(key, value)
        study.tell(trial, state=TrialState.FAIL)

    def _write_results(self, study: optuna.Study, optimized_model_path: str | None) -> RunResults:
        return self._save(self._build_results(study, optimized_model_path))

    def _build_results(self, study: optuna.Study, optimized_model_path: str | None) -> RunResults:
        baselines = self._baselines.result() if self._baselines else None
        return results_io.build_results(
            study, self.config, optimized_model_path, baselines, self._records
        )

    def _save(self, results: RunResults) -> RunResults:
        with self._run_folder_kept():
            self._results_file.write(results)
        return results

    def _finish(self, study: optuna.Study) -> OptimizationResult:
        results = self._choose_sound(
            results_io.build_results(
                study,
                self.config,
                optimized_model_path=None,
                baselines=self._baselines.result(wait=True) if self._baselines else None,
                made=self._records,
            )
        )
        best_record = results.best()
        # In pareto mode every front member's files are brought back too (each stays
        # downloadable) when a remote worker ran the trial.
        for number in results.pareto_front or []:
            record = results.trial(number)
            if record is not None:
                fetch_missing_trial(self.run_dir, record)
        model_path = None
        if best_record is not None:
            if self.config.plot_generation == "best":
                self._draw_best_plots(best_record.number)
            model_path = assemble_best(self.run_dir, best_record, self.config.dataset_name)
        relative = str(model_path.relative_to(self.run_dir)) if model_path else None
        digest = sha256_file(model_path) if model_path else None
        results = self._save(
            results.model_copy(
                update={"optimized_model_path": relative, "optimized_model_sha256": digest}
            )
        )
        return self._result(results, best_record, model_path)

    def _choose_sound(self, results: RunResults) -> RunResults:
        """The run's choice among trials whose saved model is the one they saved.

        The chosen trial's files are fetched when a remote worker ran it, then its model is
        checked (`assembly.check_model`); a model that fails fails its trial, and the rule
        chooses again among the rest, saying so in results.json and on the console. When no
        trial is left, results.json records why and ModelCorrupt ends the run: shipping
        nothing beats shipping garbage.
        """
        unsound: dict[int, str] = {}
        chosen = results
        while (record := chosen.best()) is not None:
            fetch_missing_trial(self.run_dir, record)
            try:
                check_model(self.run_dir, record)
                return chosen
            except ModelCorrupt as exc:
                unsound[record.number] = str(exc)
            chosen = results_io.without_unsound_models(results, self.config, unsound)
            after = chosen.best_trial
            then = f"choosing trial {after} instead" if after is not None else "none left"
            message = f"not shipping trial {record.number}: {unsound[record.number]}; {then}"
            log.warning(message)
            self._emit(NoticeEvent(message=message))
        if unsound:
            remove_assembly(self.run_dir)
            self._save(chosen)
            reasons = "; ".join(unsound.values())
            raise ModelCorrupt(
                f"run {self.run_name}: no trial has a sound model to ship ({reasons}); "
                f"optimized_model/ was removed, see {self.run_dir / 'results.json'}"
            )
        return chosen

    def _result(
        self, results: RunResults, best_record: TrialRecord | None, model_path: Path | None
    ) -> OptimizationResult:
        return OptimizationResult(
            run_name=self.run_name,
            run_dir=self.run_dir,
            dataset=self.config.dataset_name,
            best_trial=results.best_trial,
            best_value=results.best_value,
            best_params=dict(best_record.params) if best_record else {},
            best_metrics=best_record.metrics if best_record else TrialMetrics(),
            optimized_model_path=model_path,
            trials=list(results.trials),
        )

    def _draw_best_plots(self, number: int) -> None:
        """Draw the best trial's plots and layer-monitoring images here, from its saved files
        (no TensorFlow needed).

        Only the best trial is known after the last one, so in `best` mode the orchestrator
        draws them; a plot that fails is reported, never a reason to lose the run.
        """
        from healthopt.plots.trial import draw_trial_plots

        self._draw_best_monitoring(number)
        target = plots_dir(self.run_dir, number)
        if target.is_dir() and any(target.iterdir()):
            return  # drawn by an earlier (resumed) run, or by its worker
        report = draw_trial_plots(trial_dir(self.run_dir, number), target)
        write_json_atomic(target / "plots.json", report.to_dict())
        self._emit(
            PlotsDrawnEvent(
                trial_number=number,
                written=len(report.written),
                skipped=report.skipped,
            )
        )

    def _draw_best_monitoring(self, number: int) -> None:
        """The best trial's monitoring report with its images (its worker wrote the summary
        and a report without them); a failure is a notice, the run goes on."""
        from healthopt.monitoring.folder import MonitoringInputError, monitor_folder
        from healthopt.monitoring.layout import CLASS_STRIP_FILE, MONITORING_DIR

        folder = trial_dir(self.run_dir, number)
        if (folder / MONITORING_DIR / CLASS_STRIP_FILE).is_file():
            return  # drawn by its worker, or by an earlier (resumed) run
        try:
            monitor_folder(
                folder,
                every=self.config.monitor_every_epochs,
                title=f"{self.run_name} trial {number}",
            )
        except (MonitoringInputError, OSError, ValueError) as exc:
            self._notice(f"no layer-monitoring report for trial {number}: {exc}")

    def _notice(self, message: str) -> None:
        log.warning("%s", message)
        self._emit(NoticeEvent(message=message))

    def _emit(self, event: RunEvent) -> None:
        if self._progress is not None:
            self._progress(event)
        if self.on_event is not None:
            self.on_event(event)

    def _job_submitted(self, message: JobSubmitted) -> None:
        """The executor's control channel: keep each RunPod job id on its trial."""
        self._in_flight.job_submitted(message.trial_number, message.runpod_job_id)
