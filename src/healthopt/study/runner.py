"""ComparisonStudy: phase 1a (repeated optimizations per mode) and the driver of phase 1b.

Phase 1a runs `runs_per_mode` ordinary optimizations in each mode, interleaved (run 0 of both
modes, then run 1, ...) so both modes make progress together and machine-load drift hits them
alike. Every run is a normal run folder (resumable by its name); metadata.json is rewritten
after each run. The holdout split is never opened here: trials load their data sealed.

Phase 1b (`analyze`) first runs the ablation optimizations when that module is selected, then
evaluates everything in one spawned process (which imports TensorFlow, so neither the CLI's
nor the server's process does) and writes results.json and report.pdf.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from healthopt.config import HEALTH_COMPONENTS, ConfigError, OptimizationConfig
from healthopt.health.scoring import composite_health
from healthopt.jsonio import json_safe
from healthopt.optimize import ModelOptimizer, OptimizationResult, RunStopped
from healthopt.optimize.executors import Executor
from healthopt.optimize.executors.local import LocalExecutor, exit_reason
from healthopt.records import Mode, RunEvent, RunResults
from healthopt.records.study import StudyResults
from healthopt.study.config import MODULES, STUDY_MODES, StudyConfig, arm_name, parse_modules
from healthopt.study.layout import StudyPaths
from healthopt.study.metadata import RunRecord, StudyMetadata

log = logging.getLogger(__name__)
# A study event: JSON-ready, with a `kind` (see ComparisonStudy). The runs' own events
# arrive as records and are passed on as their JSON, tagged with the run.
StudyEvent = dict[str, Any]
EventCallback = Callable[[StudyEvent], None]
# Settings a resumed study may change; anything else must match metadata.json.
_RESUMABLE = {"concurrent_workers", "use_runpod_service", "output_dir"}
_POLL_SECONDS = 0.25


class StudyStopped(Exception):
    """The study was stopped (request_stop or Ctrl-C); finished runs are kept."""


class StudyError(RuntimeError):
    """The study cannot go on (no model in a mode, analysis failed); the message says why."""


@dataclass(frozen=True)
class _Job:
    """One optimization of the study: which record it fills and with which config."""

    record: RunRecord
    config: OptimizationConfig


class ComparisonStudy:
    """One study folder: build its models, then analyse them.

    `on_event` receives dicts with a `kind`: study_started, study_run_started,
    study_run_finished, phase_finished, analysis_started, module_started, module_finished,
    report_started, analysis_finished; and every event of the runs' optimizers (run_started,
    trial_started, epoch_end, trial_finished, ...) as JSON, tagged with `study_mode` (a
    `Mode`) and `run_index` (and `ablation_component` for ablation runs).
    """

    def __init__(self, config: StudyConfig, on_event: EventCallback | None = None) -> None:
        self.config = config
        self.paths = StudyPaths.of(config.output_dir, str(config.study_id))
        self.on_event = on_event
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._optimizer: ModelOptimizer | None = None
        self._current: RunRecord | None = None

    @classmethod
    def open(
        cls, output_dir: str | Path, study_id: str, on_event: EventCallback | None = None
    ) -> ComparisonStudy:
        """The study stored in `output_dir/study_id` (its config from metadata.json)."""
        paths = StudyPaths.of(output_dir, study_id)
        if not paths.metadata.is_file():
            raise StudyError(f"no study {study_id!r} in {output_dir} (no metadata.json)")
        stored = StudyMetadata.read(paths.metadata).config
        config = StudyConfig.from_dict({**stored, "output_dir": str(output_dir)})
        return cls(config, on_event)

    # -- state ---------------------------------------------------------------------------
    def metadata(self) -> StudyMetadata:
        if self.paths.metadata.is_file():
            return StudyMetadata.read(self.paths.metadata)
        return StudyMetadata(
            study_id=str(self.config.study_id), config=self.config.to_dict(), runs=self._plan()
        )

    def _save(self, metadata: StudyMetadata) -> StudyMetadata:
        metadata.write(self.paths.metadata)
        return metadata

    def _plan(self) -> list[RunRecord]:
        return [
            RunRecord(
                mode=mode,
                index=index,
                seed=self.config.run_seed(index),
                run_dir=f"{arm_name(mode)}/run_{index}",
                trials_total=self.config.trials_per_run,
            )
            for index in range(self.config.runs_per_mode)
            for mode in STUDY_MODES
        ]

    def request_stop(self) -> None:
        """Stop soon (from another thread): the run in progress is interrupted and resumable."""
        self._stop.set()
        with self._lock:
            if self._optimizer is not None:
                self._optimizer.request_stop()

    # -- phase 1a ------------------------------------------------------------------------
    def build_models(self) -> StudyMetadata:
        """Run every study run not completed yet; returns the metadata after phase 1a."""
        metadata = self._check_resume(self.metadata())
        metadata = self._save(metadata.with_updates(phase="building", state="running", error=None))
        self._emit({"kind": "study_started", "study_id": metadata.study_id})
        jobs = [
            _Job(r, self._run_config(r))
            for r in sorted(metadata.runs, key=_order)
            if r.kind == "study"
        ]
        metadata = self._run_jobs(metadata, jobs)
        missing = [m for m in STUDY_MODES if not any(r.completed for r in metadata.runs_of(m))]
        if missing:
            error = f"no run completed in {', '.join(missing)}; nothing to compare"
            self._save(metadata.with_updates(state="failed", error=error))
            raise StudyError(error)
        metadata = self._save(metadata.with_updates(phase="built", state="completed"))
        self._emit({"kind": "phase_finished", "phase": "1a"})
        return metadata

    def _check_resume(self, metadata: StudyMetadata) -> StudyMetadata:
        current = self.config.to_dict()
        changed = sorted(
            k for k in current if k not in _RESUMABLE and metadata.config.get(k) != current[k]
        )
        if changed:
            raise ConfigError(
                f"study {metadata.study_id!r} already exists with different settings "
                f"({', '.join(changed)}); resume it with the same settings or choose another id"
            )
        return metadata.with_updates(config=current)

    def _run_config(self, record: RunRecord) -> OptimizationConfig:
        if record.kind == "ablation":
            # Run index 0: the study's base seed, which the ablation record states.
            return self.config.optimization_config(
                Mode.HEALTH_AWARE,
                0,
                output_dir=str(self.paths.ablation_dir),
                weights=self.config.ablation_weights(str(record.component)),
                trials=self.config.ablation_trial_count,
                run_name=str(record.component),
            )
        return self.config.optimization_config(
            record.mode, record.index, output_dir=str(self.paths.mode_dir(record.mode))
        )

    def _run_jobs(self, metadata: StudyMetadata, jobs: list[_Job]) -> StudyMetadata:
        executor = self._shared_executor()
        try:
            for job in jobs:
                if job.record.completed:
                    continue
                if self._stop.is_set():
                    raise StudyStopped("the study was stopped")
                metadata = self._save(metadata.with_run(job.record.with_updates(status="running")))
                metadata = self._save(metadata.with_run(self._run_one(job, executor)))
        except (StudyStopped, KeyboardInterrupt) as exc:
            state = "cancelled" if isinstance(exc, StudyStopped) else "interrupted"
            runs = [
                r.with_updates(status="pending") if r.status == "running" else r
                for r in metadata.runs
            ]
            # Stopped during the analysis's ablation runs: phase 1a stays done, in the same
            # write, so no reader sees a cancelled study that still says it is analysing.
            phase = "built" if metadata.phase == "analyzing" else metadata.phase
            self._save(metadata.with_updates(runs=runs, state=state, phase=phase))
            raise StudyStopped(
                f"study {metadata.study_id} {state}; finished runs are kept"
            ) from exc
        finally:
            if executor is not None:
                executor.shutdown(cancel=True)
        return metadata

    def _shared_executor(self) -> Executor | None:
        """Local runs share one pool of warm worker processes (TensorFlow imported once per
        worker, not once per run); RunPod runs let each optimizer make its own executor."""
        if self.config.use_runpod_service:
            return None
        return LocalExecutor(
            self.config.concurrent_workers, on_event=self._run_event, log_dir=self.paths.logs_dir
        )

    def _run_one(self, job: _Job, executor: Executor | None) -> RunRecord:
        record = job.record
        self._emit(
            {"kind": "study_run_started", **_tags(record), "trials_total": job.config.trials}
        )
        optimizer = ModelOptimizer(job.config, executor=executor, on_event=self._run_event)
        with self._lock:
            self._optimizer, self._current = optimizer, record
            if self._stop.is_set():
                optimizer.request_stop()
        try:
            result = optimizer.optimize_model()
        except RunStopped as exc:
            raise StudyStopped(str(exc)) from exc
        except ConfigError:
            raise
        except Exception as exc:  # one broken run is recorded, the study goes on
            log.error("run %s failed: %s", record.label, traceback.format_exc())
            updated = record.with_updates(status="failed", error=f"{type(exc).__name__}: {exc}")
        else:
            updated = _record_from_result(record, result, self.paths.root)
        finally:
            with self._lock:
                self._optimizer, self._current = None, None
        self._emit({"kind": "study_run_finished", **_tags(updated), "record": updated.to_json()})
        return updated

    def _run_event(self, event: RunEvent) -> None:
        payload = event.to_json()
        current = self._current
        if current is not None:
            payload.update(_tags(current))
        self._emit(payload)

    def _emit(self, event: StudyEvent) -> None:
        if self.on_event is not None:
            try:
                self.on_event(json_safe(event))
            except Exception:  # a broken listener must not stop the study
                log.exception("study event listener failed")

    # -- phase 1b ------------------------------------------------------------------------
    def analyze(self, modules: Sequence[str] | str = MODULES) -> StudyResults:
        """Run the selected analysis modules (ablation optimizations first, if selected) and
        write results.json and report.pdf; returns what results.json holds."""
        selected = parse_modules(modules)
        if not selected:
            raise ConfigError("choose at least one analysis module")
        metadata = self.metadata()
        if metadata.phase not in ("built", "analyzing", "analyzed"):
            raise StudyError(
                f"phase 1a of study {metadata.study_id} has not finished (phase "
                f"{metadata.phase!r}, state {metadata.state!r}); build the models first"
            )
        metadata = self._save(
            metadata.with_updates(
                phase="analyzing",
                state="running",
                error=None,
                modules_requested=list(selected),
                modules_completed=[],
            )
        )
        try:
            if "ablation" in selected:
                metadata = self._run_ablation(metadata)
            results = self._analyze_in_child(selected)
        except StudyStopped:
            # Phase 1a stays done: the study can be analysed again.
            self._save(self.metadata().with_updates(phase="built", state="cancelled"))
            raise
        except Exception as exc:
            self._save(self.metadata().with_updates(phase="built", state="failed", error=str(exc)))
            raise
        metadata = self._save(
            self.metadata().with_updates(
                phase="analyzed",
                state="completed",
                modules_completed=list(results.modules),
                report_seconds=results.timings.get("report_seconds"),
            )
        )
        self._emit({"kind": "phase_finished", "phase": "1b"})
        return results

    def _run_ablation(self, metadata: StudyMetadata) -> StudyMetadata:
        """One health-aware optimization per health component, all the health weight on it."""
        known = {r.key: r for r in metadata.ablation_runs()}
        jobs = []
        for position, component in enumerate(HEALTH_COMPONENTS):
            record = known.get(f"ablation:{component}") or RunRecord(
                mode=Mode.HEALTH_AWARE,
                index=position,
                seed=self.config.seed,
                run_dir=f"ablation/{component}",
                kind="ablation",
                component=component,
                trials_total=self.config.ablation_trial_count,
            )
            metadata = metadata.with_run(record)
            jobs.append(_Job(record, self._run_config(record)))
        return self._run_jobs(self._save(metadata), jobs)

    def _analyze_in_child(self, modules: tuple[str, ...]) -> StudyResults:
        ctx = mp.get_context("spawn")
        receiver, sender = ctx.Pipe(duplex=False)
        process = ctx.Process(
            target=_analysis_child,
            args=(str(self.paths.root), list(modules), sender, str(self.paths.logs_dir)),
            name="healthopt-study-analysis",
        )
        self._emit({"kind": "analysis_started", "modules": list(modules)})
        process.start()
        sender.close()
        outcome: tuple[str, Any] | None = None
        try:
            while outcome is None:
                if self._stop.is_set():
                    process.terminate()
                    raise StudyStopped("the analysis was stopped")
                if receiver.poll(_POLL_SECONDS):
                    try:
                        kind, payload = receiver.recv()
                    except EOFError:
                        break
                    if kind == "event":
                        self._emit(payload)
                    else:
                        outcome = (kind, payload)
        finally:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        if outcome is None:
            raise StudyError(
                f"the analysis process died ({exit_reason(process.exitcode)}); "
                f"see {self.paths.logs_dir / 'analysis.log'}"
            )
        kind, payload = outcome
        if kind == "error":
            raise StudyError(f"analysis failed: {payload}")
        results = StudyResults.from_json(payload)
        self._emit({"kind": "analysis_finished", "modules": list(results.modules)})
        return results


def _analysis_child(study_dir: str, modules: list[str], pipe: Any, log_dir: str) -> None:
    """The analysis process's target. The analysis (matplotlib, the modules, TensorFlow
    through the models) is imported here, in the child, never in the CLI's or server's."""
    from healthopt.study.analysis import analysis_process_main

    analysis_process_main(study_dir, modules, pipe, log_dir)


def _order(record: RunRecord) -> tuple[int, int]:
    return (record.index, STUDY_MODES.index(record.mode))


def _tags(record: RunRecord) -> StudyEvent:
    tags: StudyEvent = {"study_mode": record.mode, "run_index": record.index}
    if record.kind == "ablation":
        tags["ablation_component"] = record.component
    return tags


def _record_from_result(record: RunRecord, result: OptimizationResult, root: Path) -> RunRecord:
    """The run's record once its optimization returned, from the results.json it wrote."""
    results = RunResults.from_json(result.results_path.read_bytes())
    completed = [t for t in results.trials if t.complete]
    best = results.best()
    if best is None or result.optimized_model_path is None:
        errors = sorted({t.error for t in results.trials if t.error})
        return record.with_updates(
            status="failed",
            trials_done=len(completed),
            error="no trial completed" + (f": {'; '.join(errors[:3])}" if errors else ""),
        )
    return record.with_updates(
        status="completed",
        error=None,
        trials_done=len(completed),
        best_trial=best.number,
        val_accuracy=best.metrics.val_accuracy,
        test_accuracy=best.metrics.test_accuracy,
        health_score=composite_health(best),
        total_score=results.best_value,
        num_parameters=best.num_parameters,
        params=dict(best.params),
        model_path=str(Path(result.optimized_model_path).resolve().relative_to(root.resolve())),
    )
