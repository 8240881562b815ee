"""Error bodies the app can always send: JSON-safe 422s, 409s for unreadable run files, and no
absolute server paths.

FastAPI's 422 echoes each wrong value back (`input`, `ctx`). A request carrying `NaN`,
`Infinity`, `1e999` or a lone surrogate (`"\\ud800"`) made that echo unserialisable, so the
client got a 500 instead of being told which field was wrong. Here every error is made
JSON-safe, and a non-finite number is called what it is.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from healthopt.api.files import FileCorrupt

FINITE_MESSAGE = "must be a finite number"
# Number checks whose failure on a non-finite input means "not finite" rather than "wrong type".
_NUMBER_ERRORS = ("finite_number", "int_", "float_")
_NON_FINITE_SPELLING = {math.inf: "Infinity", -math.inf: "-Infinity"}


def install_error_handlers(app: FastAPI) -> None:
    """Register this module's handlers on `app` (once, in `create_app`)."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(FileCorrupt, _file_corrupt)
    app.add_exception_handler(HTTPException, _http_error)


def json_safe(value: Any) -> Any:
    """`value` with everything strict JSON cannot carry spelled out: non-finite floats as their
    JSON-ish names, lone surrogates backslash-escaped, other objects (exceptions) as text."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return _NON_FINITE_SPELLING.get(value, "NaN")
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {json_safe(str(key)): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return json_safe(str(value))


def _is_non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _safe_error(error: dict[str, Any]) -> dict[str, Any]:
    safe = {key: json_safe(item) for key, item in error.items() if key != "url"}
    if _is_non_finite(error.get("input")) and str(error.get("type", "")).startswith(_NUMBER_ERRORS):
        safe["msg"] = FINITE_MESSAGE
        safe["type"] = "finite_number"
    return safe


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        {"detail": [_safe_error(dict(error)) for error in exc.errors()]}, status_code=422
    )


async def _file_corrupt(request: Request, exc: Exception) -> JSONResponse:
    """A run file that is there but not what its record says: the state of the job's files
    conflicts with the request, and the reason names the file and the field."""
    return JSONResponse({"detail": _without_root(request, str(exc))}, status_code=409)


async def _http_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, HTTPException)
    if isinstance(exc.detail, str):
        exc = HTTPException(exc.status_code, _without_root(request, exc.detail), exc.headers)
    return await http_exception_handler(request, exc)


def _without_root(request: Request, text: str) -> str:
    """`text` with the server's results folder cut from every path in it: clients see paths
    relative to it, never where the server keeps its files."""
    state = getattr(request.app.state, "healthopt", None)
    if state is None:
        return text
    return relative_to_results(text, state.results_dir)


def relative_to_results(text: str, results_dir: Path) -> str:
    for root in {str(results_dir.resolve()), str(results_dir.absolute())}:
        text = text.replace(root + "/", "").replace(root, "the results folder")
    return text
