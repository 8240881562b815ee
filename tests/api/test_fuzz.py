"""Fuzzing the API through its OpenAPI schema: no request, well formed or not, gets a 5xx, and
every answer has the shape the schema promises for its status.

Schemathesis draws requests, valid and invalid, for every operation in the app's OpenAPI
document (one test each) and sends them in-process (ASGI, no socket). Most drawn `job_id`s name
no job, so a hook swaps in, for a good share of the cases, one of two seeded jobs: a finished one
with a full run folder (results, architecture, a plot, an optimized model), and a failed one
whose run folder was never made. Schemathesis draws only finite numbers and encodable strings,
so another hook sends a good share of JSON bodies as raw text with one value replaced by `NaN`,
`Infinity`, `1e999` or a lone surrogate, as a hostile client would; each must be a 422.
Requests that pass validation start real jobs and `/tensorboard/start` starts a real
TensorBoard; the server runs at most one job at a time with one worker, and no process it
started may outlive the test.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.checks import not_a_server_error, response_schema_conformance

from healthopt.api.app import create_app
from healthopt.api.db import FINAL_STATUSES
from healthopt.api.deps import ServerState
from healthopt.api.jobs import config_for
from healthopt.api.schemas.jobs import OptimizeRequest
from healthopt.api.settings import ServerSettings

ARCHITECTURE = Path(__file__).parents[1] / "visualization" / "data" / "cnn_architecture.json"
FINISHED_JOB = "0123456789abcdef0123456789abcdef"  # completed, with a full run folder
BARE_JOB = "fedcba9876543210fedcba9876543210"  # failed before its run folder was made
PLOT = "accuracy.png"
MODEL = "optimized_model/optimized_digits_acc_0.9000.keras"
EXAMPLES_PER_OPERATION = 40
# Raw JSON values schemathesis never draws; Python's json module reads each (nan, inf, a str
# that cannot be encoded), so they reach the app's validation.
POISON = ("NaN", "Infinity", "-Infinity", "1e999", '"\\ud800"')
_MARK = "__poisoned_value__"
# Operations whose poisoned bodies must have been sent, each answered 422.
POISONED_MUST_422 = {"POST /optimize", "POST /comparison-study/start"}
# (operation, job) pairs that must have answered 200 at least once: without them the run would
# only have met 404s and 422s, and the hooks below would have stopped doing their work.
MUST_SUCCEED = {
    ("POST /optimize", None),
    ("GET /jobs/{job_id}/status", FINISHED_JOB),
    ("GET /jobs/{job_id}/trials", FINISHED_JOB),
    ("GET /jobs/{job_id}/best-model", FINISHED_JOB),
    ("GET /jobs/{job_id}/best-model/download", FINISHED_JOB),
    ("GET /jobs/{job_id}/best-model/architecture.svg", FINISHED_JOB),
    ("GET /jobs/{job_id}/best-model/architecture.pdf", FINISHED_JOB),
    ("GET /jobs/{job_id}/best-model/bundle.zip", FINISHED_JOB),
    ("GET /download/{job_id}", FINISHED_JOB),
    ("GET /jobs/{job_id}/plots", FINISHED_JOB),
    ("GET /jobs/{job_id}/plots/{trial}/{name}", FINISHED_JOB),
    ("GET /jobs/{job_id}/download/plots", FINISHED_JOB),
    ("POST /jobs/{job_id}/tensorboard/start", FINISHED_JOB),
}

HEALTH = {
    "neuron_utilization": 0.8,
    "parameter_efficiency": 0.7,
    "training_stability": 0.9,
    "gradient_health": 0.75,
    "convergence_quality": 0.85,
    "accuracy_consistency": 0.95,
}


def trial_record() -> dict[str, Any]:
    """One COMPLETE trial laid out as `healthopt.optimize.results.trial_record` writes it."""
    return {
        "number": 0,
        "state": "COMPLETE",
        "value": 0.9,
        "params": {"arch_type": "cnn", "learning_rate": 0.001, "batch_size": 32},
        "metrics": {"val_accuracy": 0.9, "train_accuracy": 0.95, "val_loss": 0.3},
        "timings": {"train_seconds": 1.5},
        "epochs_run": 2,
        "num_parameters": 7002,
        "health": HEALTH,
        "total_score": 0.9,
        "diagnostics": {},
        "analysis": {},
    }


def seed_jobs(state: ServerState, results: Path) -> None:
    request = OptimizeRequest(trials=1, max_epochs_per_trial=2)
    for job_id, status in ((FINISHED_JOB, "completed"), (BARE_JOB, "failed")):
        run_name = f"digits_simple_{job_id[:12]}"
        config = config_for(request, run_name, results).to_dict()
        state.store.create(
            job_id,
            run_name=run_name,
            run_dir=str(results / run_name),
            request=request.model_dump(),
            config=config,
            trials_total=1,
        )
        state.store.finish(job_id, status, None if status == "completed" else "crafted failure")
    run_dir = results / f"digits_simple_{FINISHED_JOB[:12]}"
    (run_dir / "trials" / "trial_0").mkdir(parents=True)
    shutil.copy(ARCHITECTURE, run_dir / "trials" / "trial_0" / "architecture.json")
    (run_dir / "plots" / "trial_0").mkdir(parents=True)
    Image.new("RGB", (4, 4), "red").save(run_dir / "plots" / "trial_0" / PLOT)
    (run_dir / MODEL).parent.mkdir()
    (run_dir / MODEL).write_bytes(b"not really a keras zip")
    results_json = {
        "run_name": run_dir.name,
        "dataset": "digits",
        "mode": "simple",
        "trials_requested": 1,
        "scoring_weights": request.scoring_weights().to_dict(),
        "best_trial": 0,
        "best_value": 0.9,
        "optimized_model_path": MODEL,
        "trials": [trial_record()],
    }
    (run_dir / "results.json").write_text(json.dumps(results_json))
    state.store.update(FINISHED_JOB, trials_completed=1, best_trial=0, best_score=0.9)


def stop_everything(state: ServerState) -> None:
    """Cancel every job still pending or running, then stop runners and TensorBoards.

    Schemathesis' pytest plugin already ends the app's lifespan (and so runs these shutdowns)
    when each test ends; this also covers a test that failed before its first request.
    """
    for job in state.store.list():
        if job.status not in FINAL_STATUSES:
            state.jobs.cancel(job.id)
    state.jobs.shutdown()
    state.tensorboard.shutdown()


def server_settings(results: Path) -> ServerSettings:
    """Settings from here alone: no .env file, and HEALTHOPT_* variables overridden."""
    return ServerSettings(
        _env_file=None,  # type: ignore[call-arg]
        results_dir=results,
        database_url="",
        api_token=None,
        allowed_hosts="testserver",  # the Host schemathesis sends to an ASGI app
        max_running_jobs=1,
        max_workers_per_job=1,
    )


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document. Building an app needs a server state, so a throwaway one."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(server_settings(Path(folder)))
        try:
            return app.openapi()
        finally:
            app.state.healthopt.store.close()


# Loaded at collection so each operation is its own test; requests go to the fixture's app.
# (schemathesis.pytest.from_fixture would build the app in a fixture instead, but 4.32 reads
# pytest's `Node._nodeid`, which pytest 9.2 no longer has.) A fresh Config, not one discovered
# from a schemathesis.toml, keeps the run as written here.
schema = schemathesis.openapi.from_dict(openapi_document(), config=schemathesis.Config())


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Most drawn ids name no job; a good share of cases name a seeded one instead."""
    if not isinstance(path_parameters, dict) or "job_id" not in path_parameters:
        return st.just(path_parameters)
    choices = [
        path_parameters,
        {**path_parameters, "job_id": FINISHED_JOB},
        {**path_parameters, "job_id": BARE_JOB},
    ]
    if "name" in path_parameters:
        choices.append({**path_parameters, "job_id": FINISHED_JOB, "trial": 0, "name": PLOT})
    return st.sampled_from(choices)


def poison_paths(body: dict[str, Any]) -> list[tuple[str, ...]]:
    """Where a value can be replaced: each key, and each key of a nested object."""
    paths: list[tuple[str, ...]] = [(key,) for key in body]
    paths += [
        (key, inner) for key, value in body.items() if isinstance(value, dict) for inner in value
    ]
    return paths or [("trials",)]


class PoisonedBody(bytes):
    """A body the poisoning hook made (schemathesis' negative cases may be raw bytes too)."""


def poisoned(body: dict[str, Any], path: tuple[str, ...], token: str) -> PoisonedBody:
    """`body` as JSON text, the value at `path` replaced by the raw `token`."""
    target = copy.deepcopy(body)
    holder = target
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = _MARK
    return PoisonedBody(json.dumps(target).replace(json.dumps(_MARK), token).encode("ascii"))


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """A drawn dataset name is almost never a registered one, which stops validation there;
    and a share of bodies carry one non-finite number or lone surrogate, sent as raw text."""
    if not isinstance(body, dict):
        return st.just(body)
    bodies = [body]
    if "dataset_name" in body:
        bodies.append({**body, "dataset_name": "digits"})
    plain = st.sampled_from(bodies)
    raw = plain.flatmap(
        lambda b: st.builds(
            poisoned, st.just(b), st.sampled_from(poison_paths(b)), st.sampled_from(POISON)
        )
    )
    return st.one_of(plain, raw)


def started_since(before: set[int]) -> list[list[str]]:
    """Command lines of our live child processes that were not there `before`.

    multiprocessing's resource tracker is left out: the first spawned worker starts it, and it
    belongs to this interpreter, not to a job.
    """
    return [
        child.cmdline()
        for child in psutil.Process().children(recursive=True)
        if child.pid not in before
        and child.is_running()
        and child.status() != psutil.STATUS_ZOMBIE
        and "multiprocessing.resource_tracker" not in " ".join(child.cmdline())
    ]


@dataclass
class Server:
    app: FastAPI
    # (operation, seeded job id or None, status code) -> how many answers
    answers: Counter[tuple[str, str | None, int]] = field(default_factory=Counter)
    # (operation, status code) -> how many answers to a poisoned raw body
    poisoned: Counter[tuple[str, int]] = field(default_factory=Counter)

    def record(self, case: schemathesis.Case, status: int) -> None:
        job = (case.path_parameters or {}).get("job_id")
        seeded = job if job in (FINISHED_JOB, BARE_JOB) else None
        self.answers[(case.operation.label, seeded, status)] += 1
        if isinstance(case.body, PoisonedBody):
            self.poisoned[(case.operation.label, status)] += 1


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A fresh server with the two seeded jobs for each operation's test.

    Fresh each time because schemathesis' plugin ends the app's lifespan when a test ends, and a
    JobManager that has shut down starts no more jobs.
    """
    results = tmp_path / "results"
    app = create_app(server_settings(results))
    state: ServerState = app.state.healthopt
    seed_jobs(state, results.resolve())
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    served = Server(app)
    try:
        yield served
    finally:
        stop_everything(state)
    assert started_since(before) == []
    operations = {label for label, _, _ in served.answers}
    never = [
        (label, job)
        for label, job in MUST_SUCCEED
        if label in operations and served.answers[(label, job, 200)] == 0
    ]
    assert never == []
    for label in POISONED_MUST_422 & operations:
        statuses = {status for op, status in served.poisoned if op == label}
        assert statuses == {422}, (label, served.poisoned)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same cases on every run and in CI
    database=None,
    # One server per operation, shared by its cases as a real server is shared by its clients.
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_no_request_gets_a_server_error(case: schemathesis.Case, server: Server) -> None:
    # An exception the app does not handle propagates out of `call`, failing the test too.
    response = case.call(app=server.app)
    server.record(case, response.status_code)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
