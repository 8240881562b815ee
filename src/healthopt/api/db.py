"""The jobs table: every optimization the server was asked for, persisted so a restart loses none.

One row per job. The request, the resolved OptimizationConfig and the progress the runner
reports (trials done, best score, error) live here; the trials themselves live in the job's
Optuna storage and results.json, which stay the source of truth for trial data. SQLite by
default (one server process), any SQLAlchemy URL (PostgreSQL) otherwise.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Float, Integer, String, Text, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

PENDING, RUNNING, COMPLETED, FAILED, CANCELLED = (
    "pending",
    "running",
    "completed",
    "failed",
    "cancelled",
)
JOB_STATUSES = (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED)
FINAL_STATUSES = (COMPLETED, FAILED, CANCELLED)
# Progress fields the runner may update while a job runs.
PROGRESS_FIELDS = (
    "trials_completed",
    "best_trial",
    "best_score",
    "current_trial",
    "current_epoch",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Base(DeclarativeBase):
    pass


class JobRow(_Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    run_name: Mapped[str] = mapped_column(String(128))
    run_dir: Mapped[str] = mapped_column(Text)
    request_json: Mapped[str] = mapped_column(Text)
    config_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    trials_total: Mapped[int] = mapped_column(Integer)
    trials_completed: Mapped[int] = mapped_column(Integer, default=0)
    best_trial: Mapped[int | None] = mapped_column(Integer, nullable=True)
    best_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    current_trial: Mapped[int | None] = mapped_column(Integer, nullable=True)
    current_epoch: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # How many times a runner started this job (1 + restarts that resumed it).
    attempts: Mapped[int] = mapped_column(Integer, default=0)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite drops the time zone; every stored time is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class JobRecord:
    """A job as the rest of the server sees it (a detached copy of its row)."""

    id: str
    status: str
    run_name: str
    run_dir: str
    request: dict[str, Any]
    config: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    trials_total: int
    trials_completed: int = 0
    best_trial: int | None = None
    best_score: float | None = None
    current_trial: int | None = None
    current_epoch: int | None = None
    error: str | None = None
    attempts: int = 0

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def elapsed_seconds(self, now: datetime | None = None) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or now or utcnow()
        return max(0.0, (end - self.started_at).total_seconds())

    @classmethod
    def from_row(cls, row: JobRow) -> JobRecord:
        return cls(
            id=row.id,
            status=row.status,
            run_name=row.run_name,
            run_dir=row.run_dir,
            request=json.loads(row.request_json),
            config=json.loads(row.config_json),
            created_at=_aware(row.created_at),  # type: ignore[arg-type]
            started_at=_aware(row.started_at),
            finished_at=_aware(row.finished_at),
            trials_total=row.trials_total,
            trials_completed=row.trials_completed,
            best_trial=row.best_trial,
            best_score=row.best_score,
            current_trial=row.current_trial,
            current_epoch=row.current_epoch,
            error=row.error,
            attempts=row.attempts,
        )


class JobNotFound(KeyError):
    """No job has this id."""


class JobStore:
    """Reads and writes the jobs table; every method is one short transaction."""

    def __init__(self, url: str) -> None:
        self.engine = _make_engine(url)
        _Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite allows one writer; serialising writes here avoids "database is locked".
        self._write_lock = threading.Lock()

    @contextmanager
    def _session(self, write: bool = False) -> Iterator[Session]:
        lock = self._write_lock if write else nullcontext()
        with lock, self._sessions() as session:
            yield session
            if write:
                session.commit()

    def create(
        self,
        job_id: str,
        run_name: str,
        run_dir: str,
        request: dict[str, Any],
        config: dict[str, Any],
        trials_total: int,
    ) -> JobRecord:
        row = JobRow(
            id=job_id,
            status=PENDING,
            run_name=run_name,
            run_dir=run_dir,
            request_json=json.dumps(request),
            config_json=json.dumps(config),
            created_at=utcnow(),
            trials_total=trials_total,
            trials_completed=0,
            attempts=0,
        )
        with self._session(write=True) as session:
            session.add(row)
            session.flush()
            return JobRecord.from_row(row)

    def get(self, job_id: str) -> JobRecord:
        with self._session() as session:
            row = _row(session, job_id)
            return JobRecord.from_row(row)

    def list(self, statuses: tuple[str, ...] | None = None) -> list[JobRecord]:
        query = select(JobRow).order_by(JobRow.created_at, JobRow.id)
        if statuses:
            query = query.where(JobRow.status.in_(statuses))
        with self._session() as session:
            return [JobRecord.from_row(row) for row in session.scalars(query)]

    def update(self, job_id: str, **values: Any) -> JobRecord:
        with self._session(write=True) as session:
            row = _row(session, job_id)
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            return JobRecord.from_row(row)

    def mark_started(self, job_id: str) -> JobRecord:
        """Running now; a resumed job keeps its first start time and counts the attempt."""
        with self._session(write=True) as session:
            row = _row(session, job_id)
            row.status = RUNNING
            row.started_at = row.started_at or utcnow()
            row.attempts = (row.attempts or 0) + 1
            session.flush()
            return JobRecord.from_row(row)

    def finish(self, job_id: str, status: str, error: str | None = None) -> JobRecord:
        """Record a final status once: a job already final keeps its first ending."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"not a final status: {status}")
        with self._session(write=True) as session:
            row = _row(session, job_id)
            if row.status not in FINAL_STATUSES:
                row.status = status
                row.error = error
                row.finished_at = utcnow()
                row.current_trial = None
                row.current_epoch = None
            session.flush()
            return JobRecord.from_row(row)

    def close(self) -> None:
        self.engine.dispose()


def _row(session: Session, job_id: str) -> JobRow:
    row = session.get(JobRow, job_id)
    if row is None:
        raise JobNotFound(job_id)
    return row


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets status reads go on while the runner writes progress.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    from healthopt.optimize.study import sqlalchemy_url

    return create_engine(sqlalchemy_url(url), pool_pre_ping=True)
