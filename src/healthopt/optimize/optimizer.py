"""ModelOptimizer: the Optuna study that suggests trials, dispatches them, and keeps results.

The optimizer asks Optuna for a trial, turns it into a TrialSpec, hands it to an executor,
and tells Optuna the outcome. It never imports TensorFlow. After every finished trial it
rewrites results.json; after the last one it assembles the best model. Ctrl-C, or
`request_stop()` from another thread (the API's cancel), cancels the trials in flight, keeps
every finished one, and the same run name resumes the run.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from healthopt.config import ConfigError, OptimizationConfig
from healthopt.data import lookup
from healthopt.health.scoring import ScoreBreakdown, total_score
from healthopt.jsonio import write_json_atomic
from healthopt.models.search_space import HyperparameterSelector
from healthopt.optimize import results as results_io
from healthopt.optimize.assembly import assemble_best, plots_dir, trial_dir
from healthopt.optimize.executors import Executor, LocalExecutor
from healthopt.trial import TrialResult, TrialSpec

EventCallback = Callable[[dict[str, Any]], None]
# Settings that may change when a run is resumed; anything else must match config.json.
_RESUMABLE_CHANGES = {
    "trials",
    "concurrent_workers",
    "timeout_seconds",
    "run_name",
    "output_dir",
    "storage_url",
    "use_runpod_service",
}

# How often the trial loop looks for a stop request while trials run.
_STOP_POLL_SECONDS = 0.25

optuna.logging.set_verbosity(optuna.logging.WARNING)


class RunStopped(Exception):
    """The run was stopped by `request_stop()`; finished trials are kept, in-flight ones are
    marked interrupted, and the same run name resumes it."""


@dataclass(frozen=True)
class OptimizationResult:
    """What a run produced; the same facts results.json holds."""

    run_name: str
    run_dir: Path
    dataset: str
    best_trial: int | None
    best_value: float | None
    best_params: dict[str, Any]
    best_metrics: dict[str, Any]
    optimized_model_path: Path | None
    trials: list[dict[str, Any]] = field(default_factory=list)

    @property
    def best_total_score(self) -> float | None:
        return self.best_value

    @property
    def results_path(self) -> Path:
        return self.run_dir / "results.json"


def default_run_name(config: OptimizationConfig) -> str:
    dataset = config.dataset_name.replace("npz:", "npz_").replace("/", "_")
    return f"{dataset}_{config.mode}_{datetime.now():%Y%m%d-%H%M%S}"


def score_trial(result: TrialResult, config: OptimizationConfig) -> ScoreBreakdown:
    """The total score Optuna maximises: validation accuracy mixed with the trial's health
    by the run's weights (accuracy alone in simple mode)."""
    return total_score(float(result.metrics["val_accuracy"]), result.health, config.scoring_weights)


class ModelOptimizer:
    """Runs one optimization described by an OptimizationConfig.

    `executor` defaults to a LocalExecutor with `concurrent_workers` processes; `selector`
    defaults to the search space for the dataset's modality; `on_event` receives progress
    events (run_started, trial_started, epoch_end, trial_finished, run_finished).
    """

    def __init__(
        self,
        config: OptimizationConfig,
        executor: Executor | None = None,
        selector: HyperparameterSelector | None = None,
        on_event: EventCallback | None = None,
    ) -> None:
        if config.use_runpod_service:
            raise ConfigError(
                "use_runpod_service: the RunPod executor is not available in "
                "this version; leave it off to run trials locally"
            )
        self.config = config.with_run_name(config.run_name or default_run_name(config))
        self.modality = lookup(config.dataset_name).modality
        self.selector = selector or HyperparameterSelector(self.modality)
        self._executor = executor
        self.on_event = on_event
        self.run_dir = Path(self.config.output_dir) / self.config.run_name
        self._stop = threading.Event()

    # -- public ------------------------------------------------------------------------
    def request_stop(self) -> None:
        """Ask a running `optimize_model()` (in another thread) to stop soon with RunStopped."""
        self._stop.set()

    def optimize_model(self) -> OptimizationResult:
        self._prepare_run_dir()
        study = self._open_study()
        finished = self._count_finished(study)
        self._emit(
            {
                "kind": "run_started",
                "run_name": self.config.run_name,
                "trials_total": self.config.trials,
                "trials_done": finished,
                "run_dir": str(self.run_dir),
            }
        )
        owns_executor = self._executor is None
        executor = self._executor or LocalExecutor(
            self.config.concurrent_workers, on_event=self._emit, log_dir=self.run_dir / "logs"
        )
        in_flight: dict[Future[TrialResult], optuna.Trial] = {}
        try:
            self._run_trials(study, executor, finished, in_flight)
        except (KeyboardInterrupt, RunStopped):
            executor.shutdown(cancel=True)
            for trial in in_flight.values():
                self._mark_interrupted(study, trial)
            self._write_results(study, optimized_model_path=None)
            raise
        finally:
            if owns_executor:
                executor.shutdown()
        result = self._finish(study)
        self._emit(
            {
                "kind": "run_finished",
                "best_trial": result.best_trial,
                "best_value": result.best_value,
            }
        )
        return result

    # -- the loop ----------------------------------------------------------------------
    def _run_trials(
        self,
        study: optuna.Study,
        executor: Executor,
        finished: int,
        in_flight: dict[Future[TrialResult], optuna.Trial],
    ) -> None:
        deadline = (
            time.monotonic() + self.config.timeout_seconds if self.config.timeout_seconds else None
        )
        while True:
            if self._stop.is_set():
                raise RunStopped(f"run {self.config.run_name!r} was stopped")
            while (
                len(in_flight) < executor.capacity
                and finished + len(in_flight) < self.config.trials
                and (deadline is None or time.monotonic() < deadline)
            ):
                trial = study.ask()
                in_flight[executor.submit(self._spec_for(trial))] = trial
            if not in_flight:
                return
            done, _ = wait(in_flight, timeout=_STOP_POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                trial = in_flight.pop(future)
                self._tell(study, trial, future.result())
                finished += 1

    def _spec_for(self, trial: optuna.Trial) -> TrialSpec:
        model_config = self.selector.suggest(trial)
        return TrialSpec(
            run_name=self.config.run_name,
            trial_number=trial.number,
            dataset_name=self.config.dataset_name,
            split_seed=self.config.split_seed,
            seed=self.config.seed + trial.number,
            epochs=self.config.max_epochs_per_trial,
            model_config=model_config.to_dict(),
            params=dict(trial.params),
            output_dir=str(trial_dir(self.run_dir, trial.number).resolve()),
            plots_dir=(
                str(plots_dir(self.run_dir, trial.number).resolve())
                if self.config.plot_generation == "all"
                else None
            ),
        )

    def _tell(self, study: optuna.Study, trial: optuna.Trial, result: TrialResult) -> None:
        trial.set_user_attr(results_io.RESULT_ATTR, result.to_dict())
        total = None
        if result.ok:
            score = score_trial(result, self.config)
            trial.set_user_attr(results_io.SCORE_ATTR, score.to_dict())
            total = score.total
            study.tell(trial, total)
        else:
            study.tell(trial, state=TrialState.FAIL)
        self._write_results(study, optimized_model_path=None)
        best = results_io.best_trial(study)
        self._emit(
            {
                "kind": "trial_finished",
                "trial_number": trial.number,
                "state": "COMPLETE" if result.ok else "FAIL",
                "error": result.error,
                "metrics": result.metrics,
                "total_score": total,
                "trials_done": self._count_finished(study),
                "trials_total": self.config.trials,
                "best_trial": best.number if best else None,
                "best_value": best.value if best else None,
            }
        )

    # -- run folder, study, results -----------------------------------------------------
    def _prepare_run_dir(self) -> None:
        config_path = self.run_dir / "config.json"
        current = self.config.to_dict()
        if config_path.exists():
            previous = json.loads(config_path.read_text())
            changed = sorted(
                k for k in current if k not in _RESUMABLE_CHANGES and previous.get(k) != current[k]
            )
            if changed:
                raise ConfigError(
                    f"run {self.config.run_name!r} already exists with different settings "
                    f"({', '.join(changed)}); resume it with the same settings or choose "
                    "another run name"
                )
        self.run_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(config_path, current)

    def _storage_url(self) -> str:
        if self.config.storage_url:
            return self.config.storage_url
        return f"sqlite:///{(self.run_dir / 'study.db').resolve()}"

    def _open_study(self) -> optuna.Study:
        study = optuna.create_study(
            study_name=self.config.run_name,
            storage=self._storage_url(),
            direction="maximize",
            load_if_exists=True,
        )
        # A resumed run continues the seeded sequence instead of replaying its first draws.
        study.sampler = optuna.samplers.TPESampler(seed=self.config.seed + len(study.trials))
        for stale in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            # Left running by a process that is gone (killed, or Ctrl-C before it could tell).
            self._mark_interrupted(study, optuna.trial.Trial(study, stale._trial_id))
        return study

    @staticmethod
    def _mark_interrupted(study: optuna.Study, trial: optuna.Trial) -> None:
        trial.set_user_attr(results_io.INTERRUPTED_ATTR, True)
        trial.set_user_attr(
            results_io.RESULT_ATTR,
            TrialResult.failed(
                trial.number,
                "interrupted before the trial finished; it is not counted and the "
                "run can be resumed with the same run name",
            ).to_dict(),
        )
        study.tell(trial, state=TrialState.FAIL)

    @staticmethod
    def _count_finished(study: optuna.Study) -> int:
        """Finished trials that count toward the budget (interrupted ones are re-run)."""
        return sum(
            1
            for t in results_io.finished_trials(study)
            if not t.user_attrs.get(results_io.INTERRUPTED_ATTR)
        )

    def _write_results(self, study: optuna.Study, optimized_model_path: str | None) -> dict:
        payload = results_io.build_results(
            study,
            self.config.run_name,
            self.config.dataset_name,
            self.config.mode,
            self.config.trials,
            optimized_model_path,
            self.config.scoring_weights,
        )
        write_json_atomic(self.run_dir / "results.json", payload)
        return payload

    def _finish(self, study: optuna.Study) -> OptimizationResult:
        best = results_io.best_trial(study)
        model_path = None
        best_record: dict[str, Any] = {}
        if best is not None:
            best_record = results_io.trial_record(best)
            if self.config.plot_generation == "best":
                self._draw_best_plots(best.number)
            model_path = assemble_best(self.run_dir, best_record, self.config.dataset_name)
        relative = str(model_path.relative_to(self.run_dir)) if model_path else None
        payload = self._write_results(study, optimized_model_path=relative)
        return OptimizationResult(
            run_name=self.config.run_name,
            run_dir=self.run_dir,
            dataset=self.config.dataset_name,
            best_trial=payload["best_trial"],
            best_value=payload["best_value"],
            best_params=best_record.get("params", {}),
            best_metrics=best_record.get("metrics", {}),
            optimized_model_path=model_path,
            trials=payload["trials"],
        )

    def _draw_best_plots(self, number: int) -> None:
        """Draw the best trial's plots here, from its saved files (no TensorFlow needed).

        Only the best trial is known after the last one, so in `best` mode the orchestrator
        draws them; a plot that fails is reported, never a reason to lose the run.
        """
        from healthopt.plots.trial import draw_trial_plots

        target = plots_dir(self.run_dir, number)
        if target.is_dir():
            return  # drawn by an earlier (resumed) run
        report = draw_trial_plots(trial_dir(self.run_dir, number), target)
        write_json_atomic(target / "plots.json", report.to_dict())
        self._emit(
            {
                "kind": "plots_drawn",
                "trial_number": number,
                "written": len(report.written),
                "skipped": report.skipped,
            }
        )

    def _emit(self, event: dict[str, Any]) -> None:
        if self.on_event is not None:
            self.on_event(event)
