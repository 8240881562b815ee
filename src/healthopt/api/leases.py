"""Who a server is in the jobs table, and whether the server named there is still alive.

An owner id is `host:pid:nonce`. A lease normally ends by running out; but when the owner named
in a row ran on this same host and its process is gone (SIGKILL, a crash), nobody will renew the
lease, so a server restarted there resumes the job at once instead of waiting the lease out.
"""

from __future__ import annotations

import os
import socket
import uuid

import psutil

# Owner ids of the managers alive in this process (tests run several servers in one).
_LIVE_IN_PROCESS: set[str] = set()


def _host() -> str:
    # ':' separates the parts, so a host name never contains one here.
    return socket.gethostname().replace(":", "_") or "localhost"


def new_owner_id() -> str:
    owner = f"{_host()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    _LIVE_IN_PROCESS.add(owner)
    return owner


def retire_owner(owner: str) -> None:
    """The manager that used `owner` has stopped; its leftover rows may be resumed at once."""
    _LIVE_IN_PROCESS.discard(owner)


def owner_is_dead(owner: str) -> bool:
    """True only when `owner` ran on this host and its process no longer exists.

    A different host, or an id in another format, is never judged dead here: its lease decides.
    """
    parts = owner.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host, pid = parts[0], int(parts[1])
    if host != _host():
        return False
    if pid == os.getpid():
        return owner not in _LIVE_IN_PROCESS
    return not psutil.pid_exists(pid)
