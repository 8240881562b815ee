"""A throwaway S3 service for tests: moto's server on a free loopback port, in a thread, stopped
at the end. Real HTTP, so boto3's transfer manager, retries and checksums run as against AWS."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """Yields the endpoint URL ("http://127.0.0.1:PORT"); buckets live until the process ends."""
    from moto.server import ThreadedMotoServer

    # Port 0: the OS picks a free port at bind time, so there is no window for another process
    # to take a port probed beforehand.
    # werkzeug logs every request at INFO, which would bury a failing test's own output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
