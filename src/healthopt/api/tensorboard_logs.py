"""TensorBoard event files for a run folder: the trials' own, or made from their history.json.

Trials write their own event files while they train (`training.tensorboard_logging`, into
`trials/trial_N/tensorboard/`: scalars, weight and gradient histograms, HParams). When a run has
any, TensorBoard is served the run folder itself and finds them there. Trials written before
that have only a history.json; for them (every trial of an older run, or the older trials of a
resumed one) the history is rebuilt into `tensorboard/trial_N/`:

Each such trial's Keras history becomes two runs, `trial_{n}/train` and `trial_{n}/validation` (the
`val_` keys, prefix stripped), so TensorBoard overlays train and validation curves under one tag
as it does for Keras' own callback. results.json becomes one `summary` run whose step is the trial
number. The records are written with tensorboard's pure-python pieces only: its
`EventFileWriter` resolves `tensorboard.compat.tf`, which imports TensorFlow when it is installed
(seconds, and it must stay out of the server), so the file handling here is our own.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from healthopt.records import RunResults, SchemaError, TrialRecord

log = logging.getLogger(__name__)

LOGDIR_NAME = "tensorboard"
TRIAL_EVENTS = "tensorboard"  # the folder in a trial's own folder that training writes into
EVENT_MARKER = "tfevents"  # TensorBoard reads every file whose name contains this
TRIAL_DIR = re.compile(r"trial_(\d+)")
METRIC_SPLITS = ("train", "val", "test")  # results.json's train_accuracy -> accuracy/train

Scalars = dict[str, list[tuple[int, float]]]  # tag -> [(step, value)] in step order


class TensorBoardError(ValueError):
    """TensorBoard cannot be served for a run: a missing folder, a missing package, no port."""


def write_event_logs(run_dir: Path) -> Path:
    """Bring `run_dir/tensorboard` up to date with the run's trials and results; return the
    folder to serve: `run_dir` itself when any trial wrote its own event files, else
    `run_dir/tensorboard`.

    A trial with its own event files is not rebuilt (and what was rebuilt for it before is
    removed, so TensorBoard never shows it twice). Of the others, only those whose history.json
    is newer than their rebuilt event files (or that have none) are rewritten. A history or
    results file that cannot be read is skipped with a warning.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise TensorBoardError(f"run folder {run_dir} does not exist")
    _protos()  # fail early, and clearly, when tensorboard is not installed
    logdir = run_dir / LOGDIR_NAME
    logdir.mkdir(exist_ok=True)
    trials = run_dir / "trials"
    any_own = False
    for trial_dir in sorted(trials.iterdir()) if trials.is_dir() else []:
        if not TRIAL_DIR.fullmatch(trial_dir.name):
            continue
        rebuilt = logdir / trial_dir.name
        history = trial_dir / "history.json"
        if has_own_events(trial_dir):
            any_own = True
            _remove_events(rebuilt / "train")
            _remove_events(rebuilt / "validation")
        elif history.is_file():
            _write_trial(history, rebuilt)
    results = run_dir / "results.json"
    if results.is_file() and not _is_fresh(results, [logdir / "summary"]):
        _write_summary(results, logdir / "summary")
    return run_dir if any_own else logdir


def has_own_events(trial_dir: Path) -> bool:
    """True when the trial wrote event files while it trained."""
    own = Path(trial_dir) / TRIAL_EVENTS
    return own.is_dir() and any(own.rglob(f"*{EVENT_MARKER}*"))


def _write_trial(history_path: Path, out: Path) -> None:
    train, validation = out / "train", out / "validation"
    if _is_fresh(history_path, [train, validation]):
        return
    history = _read_json(history_path, "history")
    if not isinstance(history, dict):
        return
    train_scalars: Scalars = {}
    val_scalars: Scalars = {}
    for key, values in history.items():
        if not isinstance(values, list):
            continue
        target, tag = (val_scalars, key[4:]) if key.startswith("val_") else (train_scalars, key)
        target[tag] = [(epoch, v) for epoch, v in enumerate(values) if _finite(v)]
    wall_time = history_path.stat().st_mtime  # epochs' own times are not in history.json
    _replace_events(train, train_scalars, wall_time)
    if val_scalars:
        _replace_events(validation, val_scalars, wall_time)
    else:
        _remove_events(validation)


def _write_summary(results_path: Path, out: Path) -> None:
    try:
        results = RunResults.from_json(results_path.read_bytes())
    except (OSError, SchemaError) as error:
        log.warning("skipping results %s for TensorBoard: %s", results_path, error)
        return
    scalars: Scalars = {}
    for trial in sorted(results.trials, key=lambda t: t.number):
        for tag, value in _trial_scalars(trial):
            if _finite(value):
                scalars.setdefault(tag, []).append((trial.number, value))
    _replace_events(out, scalars, results_path.stat().st_mtime)


def _trial_scalars(trial: TrialRecord) -> Iterable[tuple[str, Any]]:
    yield "score/total", trial.total_score
    for name, value in trial.health.by_name().items():
        yield f"health/{name}", value
    # to_json keeps metrics the record does not name (an older writer's), as before.
    for name, value in trial.metrics.to_json().items():
        split, _, rest = name.partition("_")
        yield (f"{rest}/{split}" if split in METRIC_SPLITS and rest else f"metrics/{name}"), value


def _replace_events(run: Path, scalars: Scalars, wall_time: float) -> None:
    """Write one fresh event file for `run` and remove the old ones.

    The file is written under a name TensorBoard ignores, then renamed, so a running TensorBoard
    never reads half a file; it drops a tag's points at or after a step that comes again, so the
    rewritten steps replace the old ones instead of doubling them.
    """
    event_pb2, summary_pb2, record_writer = _protos()
    run.mkdir(parents=True, exist_ok=True)
    # Unique, so two threads refreshing the same run never write into one file.
    tmp = run / f".writing.{os.getpid()}.{threading.get_ident()}.tmp"
    with tmp.open("wb") as handle:
        writer = record_writer.RecordWriter(handle)
        header = event_pb2.Event(wall_time=wall_time, file_version="brain.Event:2")
        writer.write(header.SerializeToString())
        by_step: dict[int, list[Any]] = {}
        for tag, points in sorted(scalars.items()):
            for step, value in points:
                value_pb = summary_pb2.Summary.Value(tag=tag, simple_value=float(value))
                by_step.setdefault(step, []).append(value_pb)
        for step, values in sorted(by_step.items()):
            summary = summary_pb2.Summary(value=values)
            event = event_pb2.Event(wall_time=wall_time, step=step, summary=summary)
            writer.write(event.SerializeToString())
    _remove_events(run)
    # Nanoseconds keep names unique and in write order, which is the order TensorBoard reads.
    os.replace(tmp, run / f"events.out.{EVENT_MARKER}.{time.time_ns()}.healthopt")


def _is_fresh(source: Path, runs: list[Path]) -> bool:
    """True when event files exist for `source` and all are newer than it.

    Strictly newer: a source rewritten within the same clock tick as its logs is written again
    rather than missed.
    """
    files = [f for run in runs for f in _event_files(run)]
    source_time = source.stat().st_mtime_ns
    return bool(files) and all(f.stat().st_mtime_ns > source_time for f in files)


def _remove_events(run: Path) -> None:
    for old in _event_files(run):
        old.unlink(missing_ok=True)


def _event_files(run: Path) -> list[Path]:
    return [f for f in run.iterdir() if EVENT_MARKER in f.name] if run.is_dir() else []


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as error:
        log.warning("skipping %s %s for TensorBoard: %s", what, path, error)
        return None


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _protos() -> tuple[Any, Any, Any]:
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer import record_writer
    except ImportError as error:
        raise TensorBoardError(
            "TensorBoard is not installed; install it with: pip install 'healthopt[server]'"
        ) from error
    return event_pb2, summary_pb2, record_writer
