"""`healthopt serve`: settings from flags over environment, then uvicorn on the app."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DatabaseError

from healthopt.api.db import JobsTableError, first_line
from healthopt.api.settings import ServerSettings
from healthopt.redact import redact


def settings_from_args(args: argparse.Namespace) -> ServerSettings:
    overrides: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("host", "port", "results_dir")
        if getattr(args, name, None) is not None
    }
    settings = ServerSettings(**overrides)
    settings.check_exposure()
    return settings


def run_serve(args: argparse.Namespace, parser: argparse.ArgumentParser, exit_code: int) -> int:
    try:
        settings = settings_from_args(args)
    except (ValidationError, ValueError) as exc:
        parser.exit(exit_code, f"healthopt serve: error: {_one_line(exc)}\n")
    import uvicorn

    from healthopt.api.app import create_app
    from healthopt.api.security import install_log_redaction

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    install_log_redaction()
    try:
        app = create_app(settings)
    except (JobsTableError, DatabaseError) as exc:  # a corrupt file, a foreign table, no server
        parser.exit(exit_code, f"healthopt serve: error: {_jobs_table_problem(settings, exc)}\n")
    auth = "bearer token required" if settings.token else "no token (loopback only)"
    logging.getLogger(__name__).info(
        "results in %s, jobs table %s, %s",
        settings.results_dir.resolve(),
        "SQLite beside the results" if not settings.database_url else "from HEALTHOPT_DATABASE_URL",
        auth,
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    return 0


def _jobs_table_problem(settings: ServerSettings, exc: Exception) -> str:
    """One line naming the jobs table (a PostgreSQL password redacted) and what is wrong."""
    where = (
        redact(settings.database_url)
        if settings.database_url
        else str((settings.results_dir / "jobs.db").resolve())
    )
    cause = exc.__cause__ if isinstance(exc, JobsTableError) else exc
    if isinstance(cause, DatabaseError):  # OperationalError too
        problem = f"not a readable database ({first_line(cause)})"
    else:
        problem = str(exc)
    return redact(f"jobs table {where}: {problem}")


def _one_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
    return str(exc)
