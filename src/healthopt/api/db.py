"""The jobs table: every piece of work the server was asked for, persisted so a restart loses none.

One row per job: an optimization (`kind` "optimization") or a comparison study's build or
analysis (`kind` "study", `run_name` the study's id; the study's folder keeps its own
metadata.json for phases and runs). The request, the resolved config and the progress the
runner reports (trials done, best score, error) live here; the trials themselves live in the
job's Optuna storage and results.json, which stay the source of truth for trial data. SQLite by
default, any SQLAlchemy URL (PostgreSQL) otherwise.

Several servers may share one table. A server runs a job only after claiming it: a
compare-and-set on the row (`UPDATE ... WHERE attempts = <seen>`, rowcount 1), with the
candidates read `FOR UPDATE SKIP LOCKED` on PostgreSQL so two servers never wait on, or take,
the same row. The claim writes the owner and a lease expiry into the row; the owner renews the
lease while it runs, and another server takes the job over only once the lease has run out (or
its owner, a process on the same host, has died), then resumes it as a restart does.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    case,
    create_engine,
    event,
    func,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

PENDING, RUNNING, COMPLETED, FAILED, CANCELLED = (
    "pending",
    "running",
    "completed",
    "failed",
    "cancelled",
)
JOB_STATUSES = (PENDING, RUNNING, COMPLETED, FAILED, CANCELLED)
OPTIMIZATION, STUDY = "optimization", "study"  # the kinds of work a row holds
FINAL_STATUSES = (COMPLETED, FAILED, CANCELLED)
# Progress fields the runner may update while a job runs.
PROGRESS_FIELDS = (
    "trials_completed",
    "best_trial",
    "best_score",
    "current_trial",
    "current_epoch",
)


T = TypeVar("T")


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
    # How many times a runner started this job (1 + restarts that resumed it); each claim
    # increments it, which makes it the claim's compare-and-set token too.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The server running the job ("host:pid:nonce") and until when its claim holds.
    owner: Mapped[str | None] = mapped_column(String(160), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    # Set by a server asked to cancel a job another server runs; the owner sees it at its
    # next heartbeat and stops the job.
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the row asks for: an optimization, or a comparison study's next phase.
    kind: Mapped[str] = mapped_column(String(16), default=OPTIMIZATION, index=True)


# Columns added after the first release, with their DDL defaults: a table an earlier version
# created gets them on open (ALTER TABLE ... ADD COLUMN).
_ADDED_COLUMNS = {
    "owner": "",
    "lease_expires_at": "",
    "cancel_requested": " DEFAULT FALSE",
    "kind": f" DEFAULT '{OPTIMIZATION}'",
}


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
    owner: str | None = None
    lease_expires_at: datetime | None = None
    cancel_requested: bool = False
    kind: str = OPTIMIZATION

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def lease_live(self, now: datetime | None = None) -> bool:
        """A server holds this job now: it claimed it and has renewed the claim in time."""
        return _lease_held(self.status, self.lease_expires_at, now or utcnow())

    def elapsed_seconds(self, now: datetime | None = None) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or now or utcnow()
        return max(0.0, (end - self.started_at).total_seconds())

    @classmethod
    def from_row(cls, row: JobRow, results_dir: Path | None = None) -> JobRecord:
        """`run_dir` is resolved against this server's results folder, never taken from the
        row: a server sharing the table with others must not write into their folders."""
        run_dir = row.run_dir
        if results_dir is not None:
            # A relative folder as written now; an absolute one (older rows) is only trusted
            # for its run name.
            stored = Path(row.run_dir)
            run_dir = str(results_dir / (row.run_name if stored.is_absolute() else stored))
        return cls(
            id=row.id,
            status=row.status,
            run_name=row.run_name,
            run_dir=run_dir,
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
            attempts=row.attempts or 0,
            owner=row.owner,
            lease_expires_at=_aware(row.lease_expires_at),
            cancel_requested=bool(row.cancel_requested),
            kind=row.kind or OPTIMIZATION,
        )


class JobNotFound(KeyError):
    """No job has this id."""


class JobsTableError(RuntimeError):
    """The jobs table cannot be opened or read: a corrupt file, or a table we did not write."""


class Heartbeat(Enum):
    """What renewing a lease found."""

    RENEWED = "renewed"
    CANCEL = "cancel"  # renewed, and someone asked (on any server) to cancel the job
    LOST = "lost"  # another server owns the job now, or it has ended


class JobStore:
    """Reads and writes the jobs table; every method is one short transaction."""

    def __init__(self, url: str, results_dir: Path | None = None) -> None:
        self.results_dir = results_dir
        self.engine = _make_engine(url)
        try:
            _Base.metadata.create_all(self.engine)
            _add_missing_columns(self.engine)
        except DatabaseError as exc:
            self.engine.dispose()
            raise JobsTableError(f"not a readable jobs database ({first_line(exc)})") from exc
        except JobsTableError:
            self.engine.dispose()
            raise
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite allows one writer; serialising writes here avoids "database is locked".
        self._write_lock = threading.Lock()

    def _record(self, row: JobRow) -> JobRecord:
        return JobRecord.from_row(row, self.results_dir)

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
        kind: str = OPTIMIZATION,
    ) -> JobRecord:
        row = JobRow(
            kind=kind,
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
            cancel_requested=False,
        )
        with self._session(write=True) as session:
            session.add(row)
            session.flush()
            return self._record(row)

    def get(self, job_id: str) -> JobRecord:
        with self._session() as session:
            row = _row(session, job_id)
            return self._record(row)

    def list(
        self, statuses: tuple[str, ...] | None = None, kind: str | None = None
    ) -> list[JobRecord]:
        query = select(JobRow).order_by(JobRow.created_at, JobRow.id)
        if statuses:
            query = query.where(JobRow.status.in_(statuses))
        if kind is not None:
            query = query.where(JobRow.kind == kind)
        with self._session() as session:
            return [self._record(row) for row in session.scalars(query)]

    def count(self, status: str) -> int:
        """Rows of every kind in `status`: the queue jobs and studies share."""
        with self._session() as session:
            query = select(func.count()).select_from(JobRow).where(JobRow.status == status)
            return session.scalar(query) or 0

    def latest(self, kind: str, run_name: str) -> JobRecord | None:
        """The newest row of `kind` for `run_name` (a study's current or last phase)."""
        query = (
            select(JobRow)
            .where(JobRow.kind == kind, JobRow.run_name == run_name)
            .order_by(JobRow.created_at.desc(), JobRow.id.desc())
            .limit(1)
        )
        with self._session() as session:
            row = session.scalars(query).first()
            return self._record(row) if row is not None else None

    def update(self, job_id: str, **values: Any) -> JobRecord:
        with self._session(write=True) as session:
            row = _row(session, job_id)
            for key, value in values.items():
                setattr(row, key, value)
            session.flush()
            return self._record(row)

    # -- claims and leases ----------------------------------------------------------------
    def claim_next(
        self,
        owner: str,
        lease_seconds: float,
        skip: Collection[str] = (),
        owner_is_dead: Callable[[str], bool] = lambda _owner: False,
        kinds: Collection[str] = (OPTIMIZATION, STUDY),
    ) -> JobRecord | None:
        """Claim the next job this server may run, or None.

        Interrupted jobs (running, lease run out or owner dead) come first, then pending ones in
        the order they came. The claim is a compare-and-set on `attempts`, so of two servers
        that read the same row only one gets it.
        """
        now = utcnow()
        with self._session(write=True) as session:
            query = (
                select(JobRow)
                .where(JobRow.kind.in_(tuple(kinds)))
                .where(
                    or_(
                        JobRow.status == PENDING,
                        (JobRow.status == RUNNING)
                        & or_(
                            JobRow.lease_expires_at.is_(None),
                            JobRow.lease_expires_at < now,
                            # on this host, its owner may have died: owner_is_dead decides
                            JobRow.owner.like(f"{owner.split(':')[0]}:%"),
                        ),
                    )
                )
                .order_by(case((JobRow.status == RUNNING, 0), else_=1), JobRow.created_at)
                .limit(64)
                # PostgreSQL: rows another server is claiming right now are skipped, not waited
                # for. SQLite renders nothing here; its claim is the compare-and-set below.
                .with_for_update(skip_locked=True)
            )
            for row in session.scalars(query):
                if row.id in skip or not _claimable(row, now, owner_is_dead):
                    continue
                claimed = session.execute(
                    update(JobRow)
                    .where(
                        JobRow.id == row.id,
                        JobRow.status == row.status,
                        JobRow.attempts == row.attempts,
                    )
                    .values(
                        status=RUNNING,
                        owner=owner,
                        lease_expires_at=now + timedelta(seconds=lease_seconds),
                        started_at=row.started_at or now,
                        attempts=(row.attempts or 0) + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    session.commit()
                    return self._record(_row(session, row.id, refresh=True))
            return None

    def renew(self, job_id: str, owner: str, lease_seconds: float) -> Heartbeat:
        """Extend this owner's lease; LOST when the job is no longer this owner's to run."""
        with self._session(write=True) as session:
            renewed = session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.owner == owner, JobRow.status == RUNNING)
                .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
                .execution_options(synchronize_session=False)
            )
            if renewed.rowcount != 1:  # type: ignore[attr-defined]
                return Heartbeat.LOST
            cancel = session.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id))
            return Heartbeat.CANCEL if cancel else Heartbeat.RENEWED

    def release(self, job_id: str, owner: str) -> None:
        """Give a running job back (the server is stopping): the next server resumes it at once."""
        with self._session(write=True) as session:
            session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.owner == owner, JobRow.status == RUNNING)
                .values(owner=None, lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )

    def request_cancel(self, job_id: str) -> JobRecord:
        """Ask the job's owner, whichever server it is, to cancel it at its next heartbeat."""
        return self.update(job_id, cancel_requested=True)

    def finish(
        self,
        job_id: str,
        status: str,
        error: str | None = None,
        owner: str | None = None,
        unclaimed_only: bool = False,
    ) -> JobRecord:
        """Record a final status once: a job already final keeps its first ending.

        With `owner`, only while that server still owns the job: a server that lost its lease
        must not end a job another server has taken over. With `unclaimed_only`, only while no
        server holds it (a cancel racing another server's claim leaves it to that server).
        """
        if status not in FINAL_STATUSES:
            raise ValueError(f"not a final status: {status}")
        with self._session(write=True) as session:
            row = _row(session, job_id)
            held = _lease_held(row.status, _aware(row.lease_expires_at), utcnow())
            if (
                row.status not in FINAL_STATUSES
                and (owner is None or row.owner == owner)
                and not (unclaimed_only and held)
            ):
                row.status = status
                row.error = error
                row.finished_at = utcnow()
                row.current_trial = None
                row.current_epoch = None
                row.owner = None
                row.lease_expires_at = None
            session.flush()
            return self._record(row)

    def close(self) -> None:
        self.engine.dispose()


def _claimable(row: JobRow, now: datetime, owner_is_dead: Callable[[str], bool]) -> bool:
    if row.status == PENDING:
        return True
    held = _lease_held(row.status, _aware(row.lease_expires_at), now)
    return not held or (row.owner is not None and owner_is_dead(row.owner))


def _lease_held(status: str, lease_expires_at: datetime | None, now: datetime) -> bool:
    """A server holds the job: it is running under a lease that has not run out."""
    return status == RUNNING and lease_expires_at is not None and lease_expires_at > now


def first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def _add_missing_columns(engine: Engine) -> None:
    """Bring a jobs table an earlier version created up to this one's columns."""
    present = {column["name"] for column in inspect(engine).get_columns(JobRow.__tablename__)}
    table = JobRow.__table__
    name = JobRow.__tablename__
    foreign = [
        c.name for c in table.columns if c.name not in _ADDED_COLUMNS and c.name not in present
    ]
    if foreign:
        raise JobsTableError(
            f"a table named {name!r} exists but healthopt did not write it (it lacks "
            f"{', '.join(foreign)}); use another database or HEALTHOPT_DATABASE_URL"
        )
    for column_name, default in _ADDED_COLUMNS.items():
        if column_name in present:
            continue
        column = table.c[column_name]
        ddl_type = column.type.compile(dialect=engine.dialect)
        try:
            with engine.begin() as connection:
                connection.execute(
                    text(f"ALTER TABLE {name} ADD COLUMN {column_name} {ddl_type}{default}")
                )
        except DatabaseError:
            # Another server sharing the table added it first.
            if column_name not in {c["name"] for c in inspect(engine).get_columns(name)}:
                raise


def _row(session: Session, job_id: str, refresh: bool = False) -> JobRow:
    row = session.get(JobRow, job_id, populate_existing=refresh)
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


# Errors a database outage or restart raises; the statement may succeed once it is back.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


def with_retries(
    action: Callable[[], T],
    what: str,
    deadline_seconds: float,
    first_delay: float = 0.5,
    max_delay: float = 8.0,
    on_retry: Callable[[str], None] | None = None,
) -> T:
    """Run `action`, retrying transient database errors with exponential backoff until
    `deadline_seconds` have passed; then the last error propagates.

    Written here rather than taken from a library: the server's install has no retry package
    (tenacity or backoff), and this is the whole of what it needs.
    """
    deadline = time.monotonic() + deadline_seconds
    delay = first_delay
    while True:
        try:
            return action()
        except TRANSIENT_ERRORS as exc:
            if time.monotonic() + delay > deadline:
                raise
            if on_retry is not None:
                on_retry(f"{what}: {first_line(exc)}; retrying in {delay:.1f} s")
            time.sleep(delay)
            delay = min(max_delay, delay * 2)
