"""What the trial loop keeps for each trial in flight: its heartbeat and its RunPod job ids.

Heartbeats tell other processes of a shared study that the trial's process is alive (a
no-op on storages without heartbeats). Job ids arrive from executor threads and are written
to the trial's user attributes by the loop's own thread, which owns the Optuna storage, so a
RunPod job can be found, and cancelled, from the study alone.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterable

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.storages._heartbeat import BaseHeartbeatThread, get_heartbeat_thread

log = logging.getLogger(__name__)
RUNPOD_JOBS_ATTR = "runpod_job_ids"


class InFlightTrials:
    def __init__(self) -> None:
        self._heartbeats: dict[int, BaseHeartbeatThread] = {}
        self._job_ids: queue.SimpleQueue[tuple[int, str]] = queue.SimpleQueue()

    def started(self, study: optuna.Study, trial: optuna.Trial) -> None:
        if RUNPOD_JOBS_ATTR in study._storage.get_trial(trial._trial_id).user_attrs:
            # A retry of a stale trial inherits its user attributes: its jobs are not ours.
            trial.set_user_attr(RUNPOD_JOBS_ATTR, [])
        beat = get_heartbeat_thread(trial._trial_id, study._storage)
        beat.start()
        self._heartbeats[trial.number] = beat

    def finished(self, trial: optuna.Trial) -> None:
        beat = self._heartbeats.pop(trial.number, None)
        if beat is not None:
            beat.join()

    def close(self) -> None:
        for number in list(self._heartbeats):
            self._heartbeats.pop(number).join()

    def job_submitted(self, trial_number: int, job_id: str) -> None:
        """Thread-safe: called from executor threads as a job is sent."""
        self._job_ids.put((trial_number, job_id))

    def store_job_ids(self, study: optuna.Study, trials: Iterable[optuna.Trial]) -> None:
        """Append the job ids received so far to their trials' `runpod_job_ids` attribute."""
        by_number = {t.number: t for t in trials}
        pending: list[tuple[int, str]] = []
        while True:
            try:
                pending.append(self._job_ids.get_nowait())
            except queue.Empty:
                break
        for number, job_id in pending:
            trial = by_number.get(number)
            if trial is None:
                self._job_ids.put((number, job_id))  # its trial is in a later call's set
                continue
            known = study._storage.get_trial(trial._trial_id).user_attrs.get(RUNPOD_JOBS_ATTR, [])
            try:
                trial.set_user_attr(RUNPOD_JOBS_ATTR, [*known, job_id])
            except UpdateFinishedTrialError:
                log.warning("trial %s finished elsewhere; job id %s not kept", number, job_id)
