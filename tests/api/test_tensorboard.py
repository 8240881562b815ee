"""TensorBoard for jobs: event files read back record by record, and real TensorBoard processes."""

from __future__ import annotations

import http.client
import json
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
from fastapi.testclient import TestClient
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

from healthopt.api.app import create_app
from healthopt.api.tensorboard import (
    TensorBoardError,
    TensorBoardManager,
    child_environment,
    write_event_logs,
)
from healthopt.config import ScoringWeights

from .conftest import finished_job, make_settings

NAN, INF = float("nan"), float("inf")
# Values a float32 holds exactly, so the scalars read back compare with ==.
HISTORY_0 = {
    "loss": [1.0, 0.5],
    "accuracy": [0.5, 0.75],
    "val_loss": [1.25, 0.875],
    "val_accuracy": [0.25, NAN],
}
HISTORY_1 = {"loss": [2.0, INF, 1.0], "learning_rate": [0.0625, 0.0625, 0.03125]}
RESULTS = {
    "run_name": "run",
    "dataset": "digits",
    "mode": "health-aware",
    "trials_requested": 2,
    "scoring_weights": ScoringWeights.for_mode("health-aware").to_dict(),
    "trials": [
        {
            "number": 1,
            "state": "COMPLETE",
            "total_score": 0.625,
            "health": {"neuron_utilization": 0.75, "gradient_health": None},
            "metrics": {"val_accuracy": 0.5, "train_loss": 1.0},
        },
        {
            "number": 0,
            "state": "COMPLETE",
            "total_score": 0.5,
            "health": {"neuron_utilization": 0.5},
            "metrics": {"val_accuracy": 0.25, "epochs": 2},
        },
    ],
}


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """Two good trials, one corrupt, one stray folder; files dated in the past."""
    run = tmp_path / "run"
    for name, content in [
        ("trial_0", json.dumps(HISTORY_0)),
        ("trial_1", json.dumps(HISTORY_1)),
        ("trial_2", "{not json"),
        ("notes", json.dumps(HISTORY_0)),
    ]:
        (run / "trials" / name).mkdir(parents=True)
        (run / "trials" / name / "history.json").write_text(content)
    (run / "results.json").write_text(json.dumps(RESULTS))
    # Older than any log written now, whatever the file system's clock granularity.
    past = time.time() - 100
    for path in [*run.glob("trials/*/history.json"), run / "results.json"]:
        os.utime(path, (past, past))
    return run


def read_scalars(run: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar of a run's single event file, checking each record's framing and CRCs."""
    [path] = [f for f in run.iterdir() if "tfevents" in f.name]
    data, pos, events = path.read_bytes(), 0, []
    while pos < len(data):
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        assert struct.unpack("<I", data[pos + 8 : pos + 12])[0] == masked_crc32c(header)
        body = data[pos + 12 : pos + 12 + length]
        footer = data[pos + 12 + length : pos + 16 + length]
        assert struct.unpack("<I", footer)[0] == masked_crc32c(body)
        events.append(Event.FromString(body))
        pos += 16 + length
    assert events[0].file_version == "brain.Event:2"
    scalars: dict[str, list[tuple[int, float]]] = {}
    for event in events[1:]:
        for value in event.summary.value:
            scalars.setdefault(value.tag, []).append((event.step, value.simple_value))
    return scalars


def event_files(logdir: Path) -> dict[str, int]:
    return {str(f.relative_to(logdir)): f.stat().st_mtime_ns for f in logdir.rglob("*tfevents*")}


def test_history_becomes_train_and_validation_runs(run_dir: Path, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="healthopt.api.tensorboard_logs"):
        logdir = write_event_logs(run_dir)

    assert logdir == run_dir / "tensorboard"
    assert read_scalars(logdir / "trial_0" / "train") == {
        "loss": [(0, 1.0), (1, 0.5)],
        "accuracy": [(0, 0.5), (1, 0.75)],
    }
    # val_ prefix stripped so TensorBoard overlays the two runs; the NaN epoch is left out.
    assert read_scalars(logdir / "trial_0" / "validation") == {
        "loss": [(0, 1.25), (1, 0.875)],
        "accuracy": [(0, 0.25)],
    }
    assert read_scalars(logdir / "trial_1" / "train") == {
        "loss": [(0, 2.0), (2, 1.0)],
        "learning_rate": [(0, 0.0625), (1, 0.0625), (2, 0.03125)],
    }
    assert not (logdir / "trial_1" / "validation").exists()
    assert not (logdir / "trial_2").exists() and not (logdir / "notes").exists()
    assert "trial_2" in caplog.text


def test_results_become_a_summary_run_by_trial_number(run_dir: Path) -> None:
    logdir = write_event_logs(run_dir)

    assert read_scalars(logdir / "summary") == {
        "score/total": [(0, 0.5), (1, 0.625)],
        "health/neuron_utilization": [(0, 0.5), (1, 0.75)],
        "accuracy/val": [(0, 0.25), (1, 0.5)],
        "loss/train": [(1, 1.0)],
        "metrics/epochs": [(0, 2.0)],
    }


def test_rewrites_only_what_changed(run_dir: Path) -> None:
    logdir = write_event_logs(run_dir)
    first = event_files(logdir)
    assert len(first) == 4  # trial_0 train+validation, trial_1 train, summary

    assert event_files(write_event_logs(run_dir)) == first

    changed = run_dir / "trials" / "trial_1" / "history.json"
    changed.write_text(json.dumps({"loss": [3.0]}))
    os.utime(changed, (time.time() + 10, time.time() + 10))  # newer than its logs, surely
    third = event_files(write_event_logs(run_dir))
    assert {k: v for k, v in third.items() if "trial_0" in k or "summary" in k} == {
        k: v for k, v in first.items() if "trial_0" in k or "summary" in k
    }
    assert read_scalars(logdir / "trial_1" / "train") == {"loss": [(0, 3.0)]}
    assert len(list((logdir / "trial_1" / "train").iterdir())) == 1  # the old file is gone


def test_a_run_whose_trials_wrote_event_files_is_served_from_its_folder(run_dir: Path) -> None:
    logdir = write_event_logs(run_dir)
    assert logdir == run_dir / "tensorboard" and (logdir / "trial_0" / "train").is_dir()

    # A resumed run: trial_0 trained again and wrote its own event files (tests/training/
    # test_tensorboard_logging.py serves real ones); the server goes by their names.
    own = run_dir / "trials" / "trial_0" / "tensorboard" / "train"
    own.mkdir(parents=True)
    (own / "events.out.tfevents.1.host.1.v2").write_bytes(b"")
    assert write_event_logs(run_dir) == run_dir
    runs = [str(Path(name).parent) for name in event_files(run_dir)]
    # trial_0's rebuilt runs are gone, so TensorBoard never shows the trial twice; the older
    # trial_1 is still rebuilt from its history, and results.json still makes the summary.
    assert sorted(runs) == [
        "tensorboard/summary",
        "tensorboard/trial_1/train",
        "trials/trial_0/tensorboard/train",
    ]


def test_missing_run_dir_or_package_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(TensorBoardError, match="does not exist"):
        write_event_logs(tmp_path / "nope")
    with pytest.raises(ValueError, match="does not exist"):
        TensorBoardManager().start("job", tmp_path / "nope")
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    with pytest.raises(TensorBoardError, match=r"healthopt\[server\]"):
        write_event_logs(tmp_path)


def test_writing_logs_never_imports_tensorflow(run_dir: Path) -> None:
    code = (
        "import sys; from pathlib import Path\n"
        "from healthopt.api.tensorboard import write_event_logs\n"
        "write_event_logs(Path(sys.argv[1]))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(run_dir)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_child_environment_drops_secrets() -> None:
    environ = {
        "PATH": "/bin",
        "HOME": "/home/u",
        "HEALTHOPT_API_TOKEN": "t",
        "HEALTHOPT_DATABASE_URL": "postgresql://u:pw@h/db",
        "AWS_SECRET_ACCESS_KEY": "k",
        "RUNPOD_API_KEY": "k",
        "GITHUB_TOKEN": "t",
    }
    assert child_environment(environ) == {"PATH": "/bin", "HOME": "/home/u"}


def free_ports(count: int) -> range:
    """`count` consecutive loopback ports that nothing holds right now."""
    for base in range(20000 + os.getpid() % 20000, 65000, 7):
        ports = range(base, base + count)
        probes = [socket.socket() for _ in ports]
        try:
            for probe, port in zip(probes, ports, strict=True):
                probe.bind(("127.0.0.1", port))
            return ports
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError("no free ports")


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)
    return result


def get_json(port: int, path: str) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def test_manager_serves_the_runs_without_secrets(run_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("HEALTHOPT_API_TOKEN", "fake-token-8c1f")
    manager = TensorBoardManager(ports=free_ports(2))
    try:
        started = manager.start("job-a", run_dir)
        assert started.running and started.url == f"http://127.0.0.1:{started.port}/"
        assert manager.wait_ready("job-a", timeout=30)
        runs = eventually(
            lambda: (r := get_json(started.port, "/data/runs")) and "summary" in r and r
        )
        assert {"trial_0/train", "trial_0/validation", "trial_1/train", "summary"} <= set(runs)
        points = get_json(started.port, "/data/plugin/scalars/scalars?run=trial_0/train&tag=loss")
        assert [(step, value) for _, step, value in points] == [(0, 1.0), (1, 0.5)]

        environ = Path(f"/proc/{started.pid}/environ").read_bytes()
        assert b"fake-token-8c1f" not in environ and b"HEALTHOPT_API_TOKEN" not in environ
        assert manager.start("job-a", run_dir).pid == started.pid
        helpers = psutil.Process(started.pid).children(recursive=True)  # its data server

        stopped = manager.stop("job-a")
        assert not stopped.running and stopped.exit_code is not None and stopped.url is None
        assert not Path(f"/proc/{started.pid}").exists()
        eventually(lambda: not any(p.is_running() and p.status() != "zombie" for p in helpers))
        assert manager.status("job-a").running is False
        assert "TensorBoard" in (run_dir / "logs" / "tensorboard.log").read_text()
    finally:
        manager.shutdown()


def test_ports_exits_and_shutdown(run_dir: Path) -> None:
    ports = free_ports(3)
    manager = TensorBoardManager(ports=ports)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", ports[0]))
        try:
            first = manager.start("a", run_dir)
            second = manager.start("b", run_dir)
            # Neither has bound its port yet; the manager must not hand out one twice.
            assert (first.port, second.port) == (ports[1], ports[2])
            with pytest.raises(TensorBoardError, match="no free port"):
                manager.start("c", run_dir)

            os.kill(second.pid, signal.SIGKILL)
            ended = eventually(lambda: (s := manager.status("b")) and not s.running and s)
            assert ended.exit_code == -signal.SIGKILL and ended.pid == second.pid
            assert manager.status("b").exit_code is None  # reported once, then forgotten

            manager.shutdown()
            assert not Path(f"/proc/{first.pid}").exists()
            assert manager.status("a").running is False
        finally:
            manager.shutdown()


def test_no_more_than_max_processes_run_at_once(run_dir: Path) -> None:
    manager = TensorBoardManager(ports=free_ports(2), max_processes=1)
    try:
        first = manager.start("a", run_dir)
        with pytest.raises(TensorBoardError, match=r"MAX_PROCESSES=1.*stop another"):
            manager.start("b", run_dir)
        assert manager.status("b").running is False
        assert manager.start("a", run_dir).pid == first.pid  # the running one is no extra

        os.kill(first.pid, signal.SIGKILL)  # one that has exited leaves its place
        eventually(lambda: not manager.status("a").running)
        assert manager.start("b", run_dir).running
    finally:
        manager.shutdown()


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"tensorboard": False}, "HEALTHOPT_TENSORBOARD=false"),
        ({"host": "0.0.0.0", "api_token": None}, "bound to 0.0.0.0"),
    ],
    ids=["turned-off", "exposed-host"],
)
def test_start_is_refused_where_health_says_unavailable(tmp_path: Path, overrides, reason):
    settings = make_settings(tmp_path, **overrides)
    with TestClient(create_app(settings)) as client:
        job = finished_job(client.app.state.healthopt.store, settings.results_dir)
        assert client.get("/health").json()["tensorboard_available"] is False
        refused = client.post(f"/jobs/{job.id}/tensorboard/start")
        assert refused.status_code == 409 and reason in refused.json()["detail"]
        assert client.get(f"/jobs/{job.id}/tensorboard/status").json()["running"] is False
        assert not (Path(job.run_dir) / "tensorboard").exists()  # nothing was even prepared
