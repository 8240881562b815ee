"""Entry points: how a user's `build(hp)` is named ("module:function"), found and registered.

A name travels where a function cannot: in config.json, the shared study, a `TrialSpec` sent to
a RunPod worker. Each process imports it itself. The server imports only the entry points its
operator registered in `HEALTHOPT_MODELS` (`registered_models`), never a module a request names.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

from healthopt.hypermodel.hyperparameters import HypermodelError

# module.path:attribute.path, each part a Python identifier.
_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
ENTRY_POINT = re.compile(rf"^{_IDENT}(\.{_IDENT})*:{_IDENT}(\.{_IDENT})*$")
# A script run as `python script.py` is `__main__`; its spawned workers re-import it under
# that name, but no other process can.
SCRIPT_MODULE = "__main__"

Build = Callable[[Any], Any]


def check_entry_point(entry_point: Any) -> str:
    """The entry point, checked for its form only (nothing is imported)."""
    if not isinstance(entry_point, str) or not ENTRY_POINT.match(entry_point):
        raise HypermodelError(
            f"a model entry point is 'module:function', e.g. 'mypkg.models:build' "
            f"(got {entry_point!r})"
        )
    return entry_point


def entry_point_of(build: Build) -> str:
    """The name other processes import `build` by; refused when none can."""
    if not callable(build):
        raise HypermodelError(f"the hypermodel must be a function build(hp) (got {build!r})")
    module = getattr(build, "__module__", None)
    qualname = getattr(build, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        raise HypermodelError(
            f"the hypermodel {qualname or build!r} must be a function defined at the top level "
            "of a module (not a lambda or a nested function): trial workers import it by name"
        )
    return check_entry_point(f"{module}:{qualname}")


def load_entry_point(entry_point: str) -> Build:
    """Import the module and return the function; every failure says which and why."""
    module_name, _, attribute = check_entry_point(entry_point).partition(":")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        hint = (
            " (a function defined in a script runs only in that script's own processes: "
            "move it to a module this process can import)"
            if module_name == SCRIPT_MODULE
            else ""
        )
        raise HypermodelError(
            f"cannot import {module_name!r} for {entry_point!r}: {exc}{hint}"
        ) from None
    except Exception as exc:  # the user's module raised while importing
        raise HypermodelError(
            f"importing {module_name!r} for {entry_point!r} raised {type(exc).__name__}: {exc}"
        ) from exc
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise HypermodelError(f"{module_name!r} has no {attribute!r} (from {entry_point!r})")
        target = getattr(target, part)
    if not callable(target):
        raise HypermodelError(f"{entry_point!r} is not a function build(hp)")
    return target


def registered_models(setting: str) -> dict[str, str]:
    """Parse `HEALTHOPT_MODELS` ("name=module:function,...") into {name: entry point}."""
    models: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in setting.split(","))):
        name, sep, entry_point = (s.strip() for s in item.partition("="))
        if not sep or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            raise HypermodelError(
                f"HEALTHOPT_MODELS entries are name=module:function, names of letters, digits, "
                f"'.', '_' or '-' (got {item!r})"
            )
        if name in models:
            raise HypermodelError(f"HEALTHOPT_MODELS names {name!r} twice")
        models[name] = check_entry_point(entry_point)
    return models
