"""The one runner of persisted work (api/work.py) with a work kind of the test's own: what it
records when the database goes away under a running job."""

from __future__ import annotations

import threading

import pytest

from healthopt.api.db import COMPLETED, JobRecord, JobStore
from healthopt.api.work import Ending, WorkRunner

from ..postgres import postgres_bin, running_cluster


class _Steps:
    """Work that reports progress, then ends, each step when the test says so."""

    def __init__(self, runner: WorkRunner, job_id: str, go: threading.Event) -> None:
        self.runner, self.job_id, self.go = runner, job_id, go

    def run(self) -> Ending:
        self.go.wait(60)
        self.runner.progress(self.job_id, {"trials_completed": 3})  # the database is down
        return Ending(COMPLETED, None, {"best_score": 0.9})

    def request_stop(self) -> None:
        self.go.set()


class _StepsKind:
    kind = "optimization"
    cancel_note = "cancelled"

    def __init__(self, runner: WorkRunner) -> None:
        self.runner = runner
        self.go = threading.Event()
        self.endings: list[Ending | None] = []
        runner.register(self)

    def open(self, record: JobRecord) -> _Steps:
        return _Steps(self.runner, record.id, self.go)

    def ended(self, record: JobRecord, ending: Ending | None) -> None:
        self.endings.append(ending)


@pytest.mark.skipif(postgres_bin() is None, reason="Debian's postgresql server is not installed")
def test_progress_kept_back_by_an_outage_is_recorded_with_the_ending(tmp_path):
    with running_cluster() as cluster:
        store = JobStore(cluster.url, tmp_path)
        # A lease so long the keeper never ticks: only the ending can write the progress.
        runner = WorkRunner(store, tmp_path, lease_seconds=3600)
        kind = _StepsKind(runner)
        store.create("a" * 32, "run", "run", {}, {}, trials_total=3)
        runner.resume()
        assert runner.is_running("a" * 32)

        cluster.stop()
        kind.go.set()  # progress, then the ending, both while the database is down
        threading.Timer(3, cluster.start).start()
        runner.wait("a" * 32, timeout=120)
        record = store.get("a" * 32)
        runner.shutdown()
    assert (record.status, record.trials_completed, record.best_score) == (COMPLETED, 3, 0.9)
    assert [e.status for e in kind.endings if e is not None] == [COMPLETED]
