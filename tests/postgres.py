"""A throwaway PostgreSQL cluster for tests: Debian's server binaries, a temporary data folder,
a free loopback port, stopped at the end. initdb refuses to run as root, so as root the cluster
runs as `nobody`."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .http_server import unused_port


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class Cluster:
    """A PostgreSQL cluster in a temporary folder; `stop()` and `start()` simulate an outage."""

    def __init__(self) -> None:
        bin_dir = postgres_bin()
        if bin_dir is None:
            raise FileNotFoundError("PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="healthopt-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "nobody")
            self.as_user = ["runuser", "-u", "nobody", "--"]
        self.data, self.port = self.root / "data", unused_port()
        # A plain postgresql:// URL (read as psycopg 3, as users write it).
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin_dir / program), *args],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip

    def start(self) -> None:
        # TCP on loopback only: a Unix socket's path is limited to 107 bytes, which a long
        # $TMPDIR would pass.
        options = (
            f"-p {self.port} -c unix_socket_directories='' -c listen_addresses=127.0.0.1 "
            "-c fsync=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "start")  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
             "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    """A started cluster, stopped and removed afterwards."""
    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Yields the URL of a fresh, empty database; everything is removed afterwards."""
    with running_cluster() as cluster:
        yield cluster.url


def fresh_database(url: str, name: str) -> str:
    """A new, empty database `name` on the cluster of `url` (dropped first if it exists), for
    tests that need a jobs table no other test writes to."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"
