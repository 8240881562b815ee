"""Phase 1b's analysis modules (seed 002's modules 1-8), one file each.

Each module defines NAME, TITLE and `run(context) -> ModuleOutcome`. They import TensorFlow
through the context's models, so they are imported only inside the analysis process.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from healthopt.study.config import MODULES

if TYPE_CHECKING:
    from healthopt.records.study import ModuleOutcome
    from healthopt.study.context import AnalysisContext

ModuleFunction = Callable[["AnalysisContext"], "ModuleOutcome"]


def module_runner(name: str) -> tuple[str, ModuleFunction]:
    """(title, run) of the module `name`, imported on demand."""
    if name not in MODULES:
        raise KeyError(f"no analysis module {name!r}; modules are {', '.join(MODULES)}")
    module = importlib.import_module(f"healthopt.study.modules.{name}")
    return module.TITLE, module.run
