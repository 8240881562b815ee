"""The RunPod emulator against real `runpod` SDK worker processes and a `requests` client.

Two kinds of test: real SDK workers running `echo_handler.py` (the path the distributed tests
rely on), and a hand-driven fake worker speaking the worker protocol, where exact timing of
heartbeats, stop signals and late results matters and a real worker would race.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from .runpod_emulator import EmulatedWorker, RunPodEmulator

ECHO = Path(__file__).with_name("echo_handler.py")
LOST_AFTER_S = 2.0  # the SDK pings every second: two missed pings lose a job


class Client:
    """The orchestrator's side: REST API v2 calls with a bearer key."""

    def __init__(self, emulator: RunPodEmulator) -> None:
        self.url = f"{emulator.base_url}/{emulator.endpoint_id}"
        self.headers = {"Authorization": f"Bearer {emulator.api_key}"}

    def call(self, method: str, route: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method, f"{self.url}/{route}", headers=self.headers, timeout=10, **kwargs
        )

    def run(self, job_input: dict, timeout_ms: int | None = None) -> str:
        body: dict[str, Any] = {"input": job_input}
        if timeout_ms is not None:
            body["policy"] = {"executionTimeout": timeout_ms}
        response = self.call("POST", "run", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "IN_QUEUE"
        return response.json()["id"]

    def status(self, job_id: str) -> dict:
        response = self.call("GET", f"status/{job_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def cancel(self, job_id: str) -> dict:
        response = self.call("POST", f"cancel/{job_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def health(self) -> dict:
        return self.call("GET", "health").json()

    def wait(
        self,
        job_id: str,
        status: str,
        timeout: float = 15.0,
        also: Callable[[dict], bool] | None = None,
    ) -> dict:
        """Poll `/status` until the job reaches `status` (and `also` holds); return that answer."""
        seen: dict = {}

        def reached() -> bool:
            seen.update(self.status(job_id))
            return seen["status"] == status and (also is None or also(seen))

        assert RunPodEmulator.wait_for(reached, timeout), f"wanted {status}, last saw {seen}"
        return dict(seen)


class FakeWorker:
    """Speaks the SDK's worker protocol by hand, with the URLs and key a real worker gets."""

    def __init__(self, emulator: RunPodEmulator, name: str) -> None:
        env = emulator.worker_env(name)
        self.headers = {"Authorization": env["RUNPOD_AI_API_KEY"]}
        self.take_url = env["RUNPOD_WEBHOOK_GET_JOB"].replace("$ID", name) + "&job_in_progress=0"
        self.stop_url = self.take_url.replace("/job-take/", "/job-stop/")
        self.done_url = env["RUNPOD_WEBHOOK_POST_OUTPUT"].replace("$RUNPOD_POD_ID", name)
        self.ping_url = env["RUNPOD_WEBHOOK_PING"].replace("$RUNPOD_POD_ID", name)

    def take(self) -> requests.Response:
        return requests.get(self.take_url, headers=self.headers, timeout=10)

    def stops(self) -> requests.Response:
        return requests.get(self.stop_url, headers=self.headers, timeout=10)

    def post(self, job_id: str, body: dict) -> requests.Response:
        # The SDK's exact form: JSON text labelled form-urlencoded, `&isStream=false` appended.
        url = self.done_url.replace("$ID", job_id) + "&isStream=false"
        headers = {**self.headers, "Content-Type": "application/x-www-form-urlencoded"}
        return requests.post(url, data=json.dumps(body), headers=headers, timeout=10)

    def ping(self, *job_ids: str) -> requests.Response:
        params = {"job_id": ",".join(job_ids)} if job_ids else {}
        return requests.get(self.ping_url, params=params, headers=self.headers, timeout=10)


def _logs(workers: Iterable[EmulatedWorker]) -> str:
    return "\n".join(f"--- {w.name}\n{w.log_text()[-4000:]}" for w in workers)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[tuple[RunPodEmulator, Client, dict]]:
    """One emulator with two SDK workers, shared because a worker takes seconds to start."""
    log_dir = tmp_path_factory.mktemp("runpod-workers")
    with RunPodEmulator(lost_after_s=LOST_AFTER_S, log_dir=log_dir) as emulator:
        workers = {w.name: w for w in (emulator.start_worker(ECHO) for _ in range(2))}
        client = Client(emulator)
        ready = emulator.wait_for(lambda: client.health()["workers"]["idle"] == 2, 60)
        assert ready, _logs(workers.values())
        yield emulator, client, workers


def test_a_job_completes_with_the_handler_output(cluster):
    emulator, client, workers = cluster
    before = emulator.run_requests()
    job_id = client.run({"x": 1, "progress": False})
    done = client.wait(job_id, "COMPLETED")
    assert done["output"] == {"echo": {"x": 1, "progress": False}}
    assert done["workerId"] in workers and "error" not in done
    assert done["delayTime"] >= 0 and done["executionTime"] >= 0
    assert emulator.run_requests() == before + 1
    record = emulator.job(job_id)
    assert record.progress == () and record.finished_at >= record.started_at >= record.created_at


def test_progress_shows_while_in_progress_and_heartbeats_keep_a_long_job(cluster):
    _, client, _ = cluster
    job_id = client.run({"sleep": LOST_AFTER_S + 1.0})
    started = {"stage": "started", "id": job_id}
    running = client.wait(job_id, "IN_PROGRESS", also=lambda s: "output" in s)
    assert running["output"] == started
    # Longer than lost_after_s: only the SDK's pings listing the job keep it from failing.
    done = client.wait(job_id, "COMPLETED")
    assert done["output"]["echo"]["sleep"] == LOST_AFTER_S + 1.0
    assert done["executionTime"] >= LOST_AFTER_S * 1000


def test_a_handler_error_fails_the_job(cluster):
    _, client, _ = cluster
    failed = client.wait(client.run({"fail": "boom", "progress": False}), "FAILED")
    assert failed["error"] == "asked to fail: boom" and "output" not in failed


def test_cancel_stops_the_running_job_and_its_worker_takes_the_next(cluster):
    emulator, client, workers = cluster
    first, second = client.run({"sleep": 20}), client.run({"sleep": 20})
    on = {job: client.wait(job, "IN_PROGRESS")["workerId"] for job in (first, second)}
    assert set(on.values()) == set(workers)
    assert client.cancel(first) == {"id": first, "status": "CANCELLED"}
    worker = workers[on[first]]
    assert emulator.wait_for(lambda: f"{first} | Job stopped." in worker.log_text(), 10)
    # The other worker is still busy, so only the freed one can take this job.
    nxt = client.wait(client.run({"n": 1, "progress": False}), "COMPLETED")
    assert nxt["workerId"] == on[first]
    assert client.status(first)["status"] == "CANCELLED"
    assert client.cancel(second)["status"] == "CANCELLED"
    assert client.cancel(first)["status"] == "CANCELLED"  # cancelling again changes nothing


def test_a_job_past_its_execution_timeout_times_out_and_is_stopped(cluster):
    emulator, client, workers = cluster
    job_id = client.run({"sleep": 20, "progress": False}, timeout_ms=1000)
    timed_out = client.wait(job_id, "TIMED_OUT", timeout=20)
    assert timed_out["executionTime"] >= 1000 and "1000 ms" in timed_out["error"]
    worker = workers[timed_out["workerId"]]
    assert emulator.wait_for(lambda: f"{job_id} | Job stopped." in worker.log_text(), 10)
    assert client.status(job_id)["status"] == "TIMED_OUT"


def test_health_counts_queue_progress_and_workers(cluster):
    emulator, client, _ = cluster
    emulator.hold_queue(True)
    try:
        held = client.run({"progress": False})
        dropped = client.run({"progress": False})
        assert client.cancel(dropped) == {"id": dropped, "status": "CANCELLED"}
        time.sleep(1.2)  # longer than a poll is held: a held queue hands out nothing
        assert client.status(held)["status"] == "IN_QUEUE"
        assert client.health()["jobs"]["inQueue"] == 1
    finally:
        emulator.hold_queue(False)
    client.wait(held, "COMPLETED")
    assert emulator.job(dropped).started_at is None

    running = client.run({"sleep": 1.5, "progress": False})
    client.wait(running, "IN_PROGRESS")
    health = client.health()
    assert health["jobs"]["inProgress"] == 1 and health["workers"]["running"] == 1
    assert health["workers"]["running"] + health["workers"]["idle"] == 2
    client.wait(running, "COMPLETED")
    statuses = [record.status for record in emulator.jobs()]
    health = client.health()["jobs"]
    assert health["completed"] == statuses.count("COMPLETED")
    assert health["failed"] == statuses.count("FAILED") + statuses.count("TIMED_OUT")
    assert health["inQueue"] == health["inProgress"] == 0


def test_fail_next_answers_once_without_side_effects(cluster):
    emulator, client, _ = cluster
    before, known = emulator.run_requests(), len(emulator.jobs())
    emulator.fail_next("run", 429)
    assert client.call("POST", "run", json={"input": {"progress": False}}).status_code == 429
    assert (emulator.run_requests(), len(emulator.jobs())) == (before, known)
    job_id = client.run({"progress": False})
    assert emulator.run_requests() == before + 1

    emulator.fail_next("status", 503, count=2)
    codes = [client.call("GET", f"status/{job_id}").status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    with pytest.raises(ValueError):
        emulator.fail_next("job-take", 500)


def test_a_lost_job_is_404(cluster):
    emulator, client, _ = cluster
    job_id = client.run({"progress": False})
    client.wait(job_id, "COMPLETED")
    emulator.lose(job_id)
    assert client.call("GET", f"status/{job_id}").status_code == 404
    assert client.call("POST", f"cancel/{job_id}").status_code == 404
    assert client.call("GET", "status/no-such-job").status_code == 404
    with pytest.raises(KeyError):
        emulator.lose(job_id)


def test_requests_without_the_bearer_key_are_refused(cluster):
    emulator, client, _ = cluster
    before = emulator.run_requests()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": emulator.api_key}):
        for method, route in (("POST", "run"), ("GET", "health"), ("GET", "status/x")):
            url = f"{client.url}/{route}"
            answer = requests.request(method, url, json={"input": {}}, headers=headers, timeout=10)
            assert answer.status_code == 401, (headers, route)
    assert emulator.run_requests() == before
    # The client key is not a worker key either, and other endpoints do not exist.
    take = FakeWorker(emulator, "intruder").take_url
    assert requests.get(take, headers=client.headers, timeout=10).status_code == 401
    other = client.url.replace(emulator.endpoint_id, "other-endpoint")
    assert requests.get(f"{other}/health", headers=client.headers, timeout=10).status_code == 404


def test_malformed_run_bodies_are_rejected(cluster):
    emulator, client, _ = cluster
    before = emulator.run_requests()
    for body in ({}, {"input": 3}, {"input": {}, "policy": {"executionTimeout": -5}}):
        assert client.call("POST", "run", json=body).status_code == 400, body
    assert client.call("POST", "run", data=b"{not json").status_code == 400
    assert emulator.run_requests() == before


def test_a_worker_hung_or_killed_mid_job_loses_it(tmp_path: Path):
    """A hung worker's job fails for want of heartbeats, and it recovers; a killed one's at once."""
    with RunPodEmulator(lost_after_s=LOST_AFTER_S, log_dir=tmp_path) as emulator:
        worker = emulator.start_worker(ECHO, name="solo")
        client = Client(emulator)
        ready = emulator.wait_for(lambda: client.health()["workers"]["idle"] == 1, 60)
        assert ready, _logs([worker])
        hung = client.run({"sleep": 0.5, "progress": False})
        client.wait(hung, "IN_PROGRESS")
        worker.pause()
        try:
            failed = client.wait(hung, "FAILED", timeout=LOST_AFTER_S + 5)
            assert failed["error"].startswith("worker lost: solo sent no heartbeat")
            assert emulator.wait_for(lambda: client.health()["workers"]["unhealthy"] == 1, 3)
        finally:
            worker.resume()
        after = client.wait(client.run({"back": True, "progress": False}), "COMPLETED")
        assert after["workerId"] == "solo" and client.status(hung)["status"] == "FAILED"

        doomed = client.run({"sleep": 30, "progress": False})
        client.wait(doomed, "IN_PROGRESS")
        killed_at = time.monotonic()
        worker.kill()
        failed = client.wait(doomed, "FAILED", timeout=5)
        assert time.monotonic() - killed_at < 3
        assert failed["error"] == "worker lost: solo exited with code -9"
        assert sum(client.health()["workers"].values()) == 0


def test_a_stopped_worker_finishes_its_job_then_exits(tmp_path: Path):
    with RunPodEmulator(log_dir=tmp_path) as emulator:
        worker = emulator.start_worker(ECHO)
        client = Client(emulator)
        job_id = client.run({"sleep": 1, "progress": False})
        client.wait(job_id, "IN_PROGRESS", timeout=60)
        assert worker.stop() == 0, worker.log_text()
        assert client.status(job_id)["status"] == "COMPLETED" and not worker.alive()


def test_the_worker_protocol_progress_stop_and_late_results():
    with RunPodEmulator() as emulator:
        client, fake = Client(emulator), FakeWorker(emulator, "fake")
        assert fake.take().status_code == 204  # nothing queued: the held poll ends empty
        job_id = client.run({"k": 1})
        assert fake.take().json() == {"id": job_id, "input": {"k": 1}}
        assert fake.post(job_id, {"status": "IN_PROGRESS", "output": {"p": 1}}).ok
        assert client.status(job_id)["output"] == {"p": 1}
        assert fake.stops().status_code == 204
        assert client.cancel(job_id) == {"id": job_id, "status": "CANCELLED"}
        assert fake.stops().json() == {"jobsToStop": [job_id]}
        assert fake.stops().status_code == 204  # a signal is delivered once
        assert fake.post(job_id, {"output": {"late": True}}).ok
        assert client.status(job_id)["status"] == "CANCELLED"
        assert emulator.job(job_id).late_results == 1
        assert emulator.job(job_id).progress == ({"p": 1},)


def test_pings_listing_a_job_keep_it_and_their_absence_fails_it():
    with RunPodEmulator(lost_after_s=0.5) as emulator:
        client, fake = Client(emulator), FakeWorker(emulator, "fake")
        job_id = client.run({})
        assert fake.take().json()["id"] == job_id
        for _ in range(6):  # 1.2 s of pings, well past lost_after_s
            assert fake.ping(job_id).ok
            time.sleep(0.2)
        assert client.status(job_id)["status"] == "IN_PROGRESS"
        failed = client.wait(job_id, "FAILED", timeout=3)
        assert failed["error"].startswith("worker lost: fake sent no heartbeat")
        assert fake.stops().json() == {"jobsToStop": [job_id]}
        assert fake.post(job_id, {"output": {}}).ok
        assert client.status(job_id)["status"] == "FAILED"


def test_a_poller_that_hung_up_is_not_handed_a_job():
    with RunPodEmulator() as emulator:
        client, fake = Client(emulator), FakeWorker(emulator, "fake")
        ghost = FakeWorker(emulator, "ghost")
        url = urlsplit(ghost.take_url)
        with socket.create_connection((url.hostname, url.port)) as sock:
            auth = ghost.headers["Authorization"]
            sock.sendall(
                f"GET {url.path}?{url.query} HTTP/1.0\r\nAuthorization: {auth}\r\n\r\n".encode()
            )
        time.sleep(0.2)  # the server now holds the ghost's poll, whose socket is closed
        job_id = client.run({})
        assert fake.take().json()["id"] == job_id
        assert emulator.job(job_id).worker_id == "fake"
