"""ScriptedExecutor: an in-process Executor whose trials follow a script, without TensorFlow.

The optimizer's trial loop (resume, budget, timeout, stop, scoring, results.json, assembly)
is tested with it in milliseconds; what a real trial measures is tested in tests/test_trial.py
and by the one end-to-end run in test_optimizer.py.

A script is a list of `Outcome`s, taken one per submitted spec in submit order, or a function
`spec -> Outcome`. A trial writes what the optimizer and assembly read from a trial folder:
model.keras (a stand-in: assembly checks it against the SHA-256 the trial records, as a real
trial does, and copies it, never loads it), history.json (from which the
orchestrator draws one plot in `best` mode; no observer.json, whose plots take seconds),
architecture.json (the healthy builder's), result.json, and with a plots_dir a plots.json and
one PNG, as a worker that drew its plots leaves them.

With `model_file` (tests/conftest.py's `tiny_digits_model`) each completed trial saves a real
Keras model instead of the stand-in, so what runs after the trials and loads the shipped
models (a study's analysis, which measures them on the holdout) works on scripted runs too.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from healthopt.optimize.executors import EpochJudge, EventCallback
from healthopt.optimize.executors.base import emit_quietly, judge_quietly
from healthopt.records import (
    COMPLETE,
    FAIL,
    AnalysisSummary,
    DiagnosticsSummary,
    EpochEndEvent,
    HealthAlarm,
    HealthValues,
    TrialMetrics,
    TrialResult,
    TrialSpec,
    TrialStartedEvent,
)

from ..builders import healthy_cnn_architecture, healthy_epoch

MODEL_BYTES = b"scripted trial: a stand-in for a Keras model file"
MODEL_SHA256 = hashlib.sha256(MODEL_BYTES).hexdigest()  # what a trial records when it saves
# A 1x1 PNG: enough for a file the assembly ships as a plot.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
# A hang that nobody stops ends here, so a broken test fails instead of blocking the suite.
HANG_LIMIT_SECONDS = 60.0
INTERRUPTED = "interrupted: the executor was shut down mid-trial"


@dataclass(frozen=True)
class Outcome:
    """What one scripted trial does: complete, fail, or hang until the executor is cancelled.

    `seconds` is how long the trial takes (spread over its epochs); `health` gives the six
    components by name (missing ones are None, as for a trial that could not measure them).
    `curve` gives the validation accuracy of each epoch (default: `val_accuracy` throughout);
    `alarm` is a health alarm the worker raises at `alarm.epoch`.
    """

    state: str = COMPLETE
    val_accuracy: float | None = None
    health: dict[str, float | None] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    hang: bool = False
    diagnostics: DiagnosticsSummary = DiagnosticsSummary()
    analysis: AnalysisSummary = AnalysisSummary()
    curve: tuple[float, ...] = ()
    alarm: HealthAlarm | None = None

    def accuracy_at(self, epoch: int) -> float | None:
        """The validation accuracy after 1-based `epoch`."""
        if self.curve:
            return self.curve[min(epoch, len(self.curve)) - 1]
        return self.val_accuracy


# Scripted trials stand for a ten-class dataset with balanced classes (like digits).
CHANCE = 0.1


def learning(curve: Sequence[float], **health: float | None) -> Outcome:
    """A trial whose validation accuracy follows `curve`, one value per epoch."""
    return Outcome(COMPLETE, val_accuracy=curve[-1], health=health, curve=tuple(curve))


def alarmed(epoch: int, check: str = "nan_in_loss") -> Outcome:
    """A trial whose worker raises a health alarm at `epoch`."""
    message = f"{check} at epoch {epoch}"
    return Outcome(
        COMPLETE, val_accuracy=0.1, alarm=HealthAlarm(check=check, message=message, epoch=epoch)
    )


def complete(val_accuracy: float, seconds: float = 0.0, **health: float | None) -> Outcome:
    return Outcome(COMPLETE, val_accuracy=val_accuracy, health=health, seconds=seconds)


def fail(error: str, diagnostics: DiagnosticsSummary | None = None) -> Outcome:
    """A trial that ran and failed; `diagnostics` is what its records told the engine."""
    return Outcome(FAIL, error=error, diagnostics=diagnostics or DiagnosticsSummary())


def hang() -> Outcome:
    """A trial still running when the run is stopped: it ends only by shutdown(cancel=True)."""
    return Outcome(hang=True)


Script = Sequence[Outcome] | Callable[[TrialSpec], Outcome]


class ScriptedExecutor:
    """Runs up to `capacity` scripted trials at once on threads of this process.

    `specs` lists every spec submitted, in order, so a test can see what the optimizer asked
    for (seeds, plots_dir, which trials a resumed run re-ran). Like every executor, a future
    always resolves to a TrialResult, never to an exception, and a trial its judge stops
    after an epoch resolves to PRUNED there.
    """

    def __init__(
        self,
        script: Script,
        capacity: int = 1,
        on_event: EventCallback | None = None,
        model_file: Path | None = None,
    ) -> None:
        self.capacity = capacity
        # Read once: every completed trial saves these bytes as its model.keras.
        self._model_bytes = model_file.read_bytes() if model_file else MODEL_BYTES
        self._model_sha256 = hashlib.sha256(self._model_bytes).hexdigest()
        self.specs: list[TrialSpec] = []
        self._script = script
        self._on_event = on_event
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._closed = False
        self._pool = ThreadPoolExecutor(capacity, thread_name_prefix="scripted-trial")

    def submit(self, spec: TrialSpec, judge: EpochJudge | None = None) -> Future[TrialResult]:
        with self._lock:
            if self._closed:
                raise RuntimeError("executor is shut down")
            taken = len(self.specs)
            self.specs.append(spec)
        future: Future[TrialResult] = Future()
        self._pool.submit(self._resolve, spec, taken, future, judge)
        return future

    def shutdown(self, cancel: bool = False) -> None:
        """Wait for the trials in flight; with `cancel`, running and queued ones are interrupted."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if cancel:
            self._cancel.set()
        self._pool.shutdown(wait=True)

    # -- one trial ---------------------------------------------------------------------
    def _outcome(self, spec: TrialSpec, index: int) -> Outcome:
        if callable(self._script):
            return self._script(spec)
        if index >= len(self._script):
            raise LookupError(f"the script has no outcome for submission {index + 1}")
        return self._script[index]

    def _resolve(
        self,
        spec: TrialSpec,
        index: int,
        future: Future[TrialResult],
        judge: EpochJudge | None,
    ) -> None:
        try:
            result = self._run(spec, self._outcome(spec, index), judge)
        except Exception as exc:  # the Executor contract: a FAIL result, never an exception
            result = TrialResult.failed(
                spec.trial_number, f"scripted executor: {type(exc).__name__}: {exc}"
            )
        future.set_result(result)

    def _run(self, spec: TrialSpec, outcome: Outcome, judge: EpochJudge | None) -> TrialResult:
        if self._cancel.is_set():
            return TrialResult.failed(spec.trial_number, INTERRUPTED)
        emit_quietly(self._on_event, TrialStartedEvent(trial_number=spec.trial_number))
        if outcome.hang:
            if self._cancel.wait(HANG_LIMIT_SECONDS):
                return TrialResult.failed(spec.trial_number, INTERRUPTED)
            return TrialResult.failed(spec.trial_number, "scripted hang was never stopped")
        started = time.perf_counter()
        for epoch in range(1, spec.epochs + 1):
            if self._cancel.wait(outcome.seconds / max(spec.epochs, 1)):
                return TrialResult.failed(spec.trial_number, INTERRUPTED)
            alarm = outcome.alarm if outcome.alarm and outcome.alarm.epoch <= epoch else None
            event = EpochEndEvent(
                trial_number=spec.trial_number,
                epoch=epoch,
                epochs=spec.epochs,
                val_accuracy=outcome.accuracy_at(epoch),
                health_alarm=alarm if spec.health_pruning else None,
            )
            emit_quietly(self._on_event, event)
            verdict = judge_quietly(judge, event)
            if verdict is not None:
                artifacts = _write_trial_files(spec, outcome, epoch, self._model_bytes)
                return TrialResult.pruned_at(
                    spec.trial_number,
                    verdict,
                    metrics=TrialMetrics(
                        val_accuracy=outcome.accuracy_at(epoch), chance_accuracy=CHANCE
                    ),
                    timings={"total_seconds": time.perf_counter() - started},
                    epochs_run=epoch,
                    artifacts=artifacts,
                )
        artifacts = _write_trial_files(spec, outcome, spec.epochs, self._model_bytes)
        result = TrialResult.create(
            trial_number=spec.trial_number,
            state=outcome.state,
            metrics=_metrics(outcome),
            timings={"total_seconds": time.perf_counter() - started},
            epochs_run=spec.epochs,
            num_parameters=healthy_cnn_architecture()["total_parameters"],
            artifacts=artifacts,
            health=HealthValues(**outcome.health),
            diagnostics=outcome.diagnostics,
            analysis=outcome.analysis,
            error=outcome.error,
            model_sha256=self._model_sha256 if "model" in artifacts else None,
        )
        (Path(spec.output_dir) / "result.json").write_text(result.to_json_text())
        return result


def _metrics(outcome: Outcome) -> TrialMetrics:
    accuracy = outcome.val_accuracy
    if accuracy is None:
        return TrialMetrics()
    return TrialMetrics(
        val_accuracy=accuracy,
        val_loss=1.0 - accuracy,
        test_accuracy=accuracy,
        chance_accuracy=CHANCE,
    )


def _write_trial_files(
    spec: TrialSpec, outcome: Outcome, epochs_run: int, model_bytes: bytes = MODEL_BYTES
) -> dict[str, str]:
    """The files a real trial leaves in its folder (and plots folder), by role; a pruned
    trial saves no model."""
    out = Path(spec.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    epochs = [healthy_epoch(k) for k in range(epochs_run)]
    history = {  # Keras's History.history, as trainer.fit leaves it
        "loss": [e["loss"]["train_epoch"] for e in epochs],
        "accuracy": [e["accuracy"]["train"] for e in epochs],
        "val_loss": [e["loss"]["val"]["val_loss"] for e in epochs],
        "val_accuracy": [outcome.accuracy_at(k + 1) for k in range(epochs_run)],
    }
    files = {
        "history": ("history.json", history),
        "architecture": ("architecture.json", healthy_cnn_architecture()),
    }
    for name, data in files.values():
        (out / name).write_text(json.dumps(data))
    artifacts = {role: name for role, (name, _) in files.items()}
    if outcome.state == COMPLETE and epochs_run == spec.epochs:  # failed or pruned: no model
        (out / "model.keras").write_bytes(model_bytes)
        artifacts["model"] = "model.keras"
    if spec.plots_dir:
        plots = Path(spec.plots_dir)
        plots.mkdir(parents=True, exist_ok=True)
        (plots / "training_history.png").write_bytes(PNG_BYTES)
        (plots / "plots.json").write_text(
            json.dumps({"written": ["training_history.png"], "skipped": {}})
        )
    return artifacts


def script_studies(
    monkeypatch: pytest.MonkeyPatch, script: Script, model_file: Path | None = None
) -> list[ScriptedExecutor]:
    """Run the trials of every comparison study started from now on (phase 1a's runs and the
    ablation's) on ScriptedExecutors, one per batch of runs where the study would start its
    pool of workers; returns them as they are made.

    ComparisonStudy takes no executor (it makes the LocalExecutor its runs share), so the
    class is replaced where the study runner looks it up. Give `model_file` when the study is
    analysed afterwards: the analysis loads every shipped model.
    """
    made: list[ScriptedExecutor] = []

    def executor(
        workers: int, on_event: EventCallback | None = None, log_dir: Path | None = None
    ) -> ScriptedExecutor:
        made.append(ScriptedExecutor(script, workers, on_event, model_file))
        return made[-1]

    monkeypatch.setattr("healthopt.study.runner.LocalExecutor", executor)
    return made
