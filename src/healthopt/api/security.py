"""The server's guards: bearer-token checks, a request size limit, and secret-free logs."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from healthopt.redact import redact

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def token_matches(expected: str | None, authorization: str | None, query_token: str | None) -> bool:
    """True when no token is configured, or the request carries it (header or `?token=`).

    The query form exists for browsers' WebSockets, which cannot set headers.
    """
    if expected is None:
        return True
    supplied = None
    if authorization and authorization.lower().startswith("bearer "):
        supplied = authorization[7:].strip()
    elif query_token:
        supplied = query_token
    return supplied is not None and hmac.compare_digest(supplied.encode(), expected.encode())


class BodySizeLimit:
    """Pure ASGI middleware: a request body over `max_bytes` gets 413 before any route runs.

    The body is read here (at most `max_bytes` of it) and replayed, so a chunked request
    without Content-Length is bounded too.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._reject(send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            if len(body) > self.max_bytes:
                await self._reject(send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        payload = json.dumps(
            {"detail": f"request body is larger than the server's limit of {self.max_bytes} bytes"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class RedactTokens(logging.Filter):
    """Blanks credentials in log records: uvicorn logs each request's path with its query, so
    a WebSocket's `?token=` (however encoded) would otherwise reach the log.

    The message and each argument are redacted apart, not the formatted line: uvicorn's access
    formatter unpacks `record.args` itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args: Any = record.args
        if isinstance(args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in args)
        elif isinstance(args, dict):
            record.args = {key: _redact_arg(value) for key, value in args.items()}
        return True


def _redact_arg(arg: object) -> object:
    return redact(arg) if isinstance(arg, str) else arg


def install_log_redaction() -> None:
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
