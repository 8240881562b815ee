"""Phase 1b: run the selected modules over a built study, write results.json and report.pdf.

`run_analysis` does the work (TensorFlow is imported through the models it loads);
`analysis_process_main` is the spawned process's entry point that `ComparisonStudy.analyze`
starts, reporting progress and the outcome back through a pipe. A module that raises is
recorded as unavailable with its error; the other modules and the report still happen.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from healthopt.jsonio import write_json_atomic
from healthopt.optimize.executors.local import redirect_output
from healthopt.records.study import ModuleError, ModuleOutcome, ReportFile, StudyResults
from healthopt.study.context import AnalysisContext
from healthopt.study.layout import StudyPaths
from healthopt.study.metadata import StudyMetadata
from healthopt.study.modules import module_runner
from healthopt.study.summary import (
    HYPOTHESIS,
    best_models,
    conclusions,
    design,
    executive_summary,
)

log = logging.getLogger(__name__)
# The analysis's own events (module_started, module_finished, report_started): small JSON
# objects that the runner passes on to its listener as they are.
AnalysisEvent = dict[str, str | int | bool]
EventCallback = Callable[[AnalysisEvent], None]


def run_analysis(
    study_dir: Path, modules: Sequence[str], on_event: EventCallback | None = None
) -> StudyResults:
    """Analyse the study in `study_dir` with `modules` (names, in order); returns results."""
    started = time.perf_counter()
    paths = StudyPaths(Path(study_dir))
    metadata = StudyMetadata.read(paths.metadata)
    paths.analysis_dir.mkdir(parents=True, exist_ok=True)
    context = AnalysisContext(metadata, paths)
    emit = on_event or (lambda _event: None)
    results: dict[str, ModuleOutcome] = {}
    timings: dict[str, float] = {}
    for position, name in enumerate(modules):
        _write_progress(paths, modules, list(results), name)
        emit(
            {"kind": "module_started", "module": name, "position": position, "total": len(modules)}
        )
        clock = time.perf_counter()
        results[name] = _run_module(name, context)
        timings[f"{name}_seconds"] = time.perf_counter() - clock
        emit(
            {
                "kind": "module_finished",
                "module": name,
                "available": results[name].available,
                "position": position,
                "total": len(modules),
            }
        )
    _write_progress(paths, modules, list(results), None)
    executive = executive_summary(context, results)
    study_results = StudyResults.create(
        study_id=metadata.study_id,
        dataset=context.config.dataset_name,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        config=context.config.record(),
        hypothesis=HYPOTHESIS,
        design=design(context),
        best_models=best_models(context, results),
        executive_summary=executive,
        modules_requested=list(modules),
        modules=results,
        conclusions=conclusions(executive, results, context),
        runs=metadata.runs,
        timings={**timings, "analysis_seconds": time.perf_counter() - started},
    )
    write_json_atomic(paths.results, study_results.to_json())
    emit({"kind": "report_started"})
    from healthopt.study.report import build_report

    report = build_report(study_results, paths.analysis_dir, paths.report)
    study_results = study_results.model_copy(
        update={
            "timings": {**study_results.timings, "report_seconds": report.seconds},
            "report": ReportFile(path=paths.report.name, pages=report.pages),
        }
    )
    write_json_atomic(paths.results, study_results.to_json())
    return study_results


def _run_module(name: str, context: AnalysisContext) -> ModuleOutcome:
    title, run = module_runner(name)
    try:
        return run(context)
    except Exception as exc:  # one broken module must not cost the others or the report
        log.error("analysis module %s failed:\n%s", name, traceback.format_exc())
        result = ModuleOutcome.unavailable(
            name, title, f"the module failed: {type(exc).__name__}: {exc}"
        )
        return result.model_copy(update={"data": ModuleError(error=str(exc))})


def _write_progress(
    paths: StudyPaths, modules: Sequence[str], done: list[str], current: str | None
) -> None:
    write_json_atomic(
        paths.progress,
        {"modules": list(modules), "completed": done, "current": current},
    )


def analysis_process_main(study_dir: str, modules: list[str], pipe: Any, log_dir: str) -> None:
    """Entry point of the spawned analysis process: results or the error go back by `pipe`."""
    redirect_output(str(Path(log_dir) / "analysis.log"))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.basicConfig(level=logging.INFO)
    try:
        results = run_analysis(
            Path(study_dir), modules, on_event=lambda event: pipe.send(("event", event))
        )
    except Exception as exc:
        log.error("analysis failed:\n%s", traceback.format_exc())
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    else:
        # JSON, not the record: its modules' data classes live in the analysis's imports,
        # which the parent process never loads.
        pipe.send(("result", results.to_json()))
    finally:
        pipe.close()
