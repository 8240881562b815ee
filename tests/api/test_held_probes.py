"""Issue 19's probes that held, kept holding: paths that leave the results folder (absolute,
encoded, and symlinks out through every file route) and token checks (near misses, and
non-ASCII tokens, compared with `hmac.compare_digest`). The real-server probes (raw `../`,
150 WebSockets, 100 concurrent polls, kills) are in tests/e2e/test_held_probes.py; the
body-size limit, `../` and a linked plot in test_security.py."""

from __future__ import annotations

import hmac
import io
import os
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from healthopt.api import security
from healthopt.api.app import create_app

from .conftest import finished_job, make_settings

SECRET = b"outside the results folder"
TOKEN = "a-token-of-sixteen-chars-or-more"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the results folder, holding a file no route may serve."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "model.keras").write_bytes(SECRET)
    (folder / "leak.png").write_bytes(SECRET)
    return folder


def _refused(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 422), (path, response.status_code)
    assert SECRET not in response.content, path


def test_absolute_paths_never_reach_a_file(client: TestClient, outside: Path):
    state = client.app.state.healthopt
    job = finished_job(state.store, state.results_dir)
    target = str(outside / "leak.png")
    for path in (
        f"/jobs/{job.id}/plots/0/{target.replace('/', '%2F')}",
        f"/jobs/{job.id}/plots/0/%2Fetc%2Fpasswd",
        f"/download/{target.replace('/', '%2F')}",
        f"/jobs/{target.replace('/', '%2F')}/status",
        f"/jobs/{job.id}/trials/{target.replace('/', '%2F')}/model",
    ):
        _refused(client, path)


def test_symlinks_out_of_the_results_are_served_by_no_file_route(client: TestClient, outside: Path):
    state = client.app.state.healthopt
    job = finished_job(state.store, state.results_dir)
    run_dir = Path(job.run_dir)
    # A trial's model, a whole trial folder, the shipped model and a plot, each a link out.
    os.symlink(outside / "model.keras", run_dir / "trials" / "trial_0" / "model.keras")
    os.symlink(outside, run_dir / "trials" / "trial_1")
    shipped = next((run_dir / "optimized_model").glob("*.keras"))
    shipped.unlink()
    os.symlink(outside / "model.keras", shipped)
    os.symlink(outside / "leak.png", run_dir / "plots" / "trial_0" / "leak.png")
    os.symlink(outside, run_dir / "plots" / "trial_1")

    for path in (
        f"/jobs/{job.id}/trials/0/model",
        f"/jobs/{job.id}/trials/1/model",
        f"/download/{job.id}",
        f"/jobs/{job.id}/plots/0/leak.png",
        f"/jobs/{job.id}/plots/1/leak.png",
    ):
        _refused(client, path)
    listed = client.get(f"/jobs/{job.id}/plots").json()["plots"]
    assert [(p["trial"], p["name"]) for p in listed] == [(0, "training_history.png")]
    archive = client.get(f"/jobs/{job.id}/download/plots")
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert names == ["trial_0/training_history.png"]


def test_a_run_folder_that_is_itself_a_link_out_serves_nothing(client: TestClient, tmp_path: Path):
    state = client.app.state.healthopt
    job = finished_job(state.store, state.results_dir)
    run_dir = Path(job.run_dir)
    moved = run_dir.rename(tmp_path / "moved_out")
    os.symlink(moved, run_dir)
    for path in (
        f"/download/{job.id}",
        f"/jobs/{job.id}/plots/0/training_history.png",
        f"/jobs/{job.id}/trials/0/model",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/jobs/{job.id}/plots").json() == {"plots": []}


@pytest.fixture
def secured(tmp_path: Path):
    with TestClient(create_app(make_settings(tmp_path, api_token=TOKEN))) as client:
        yield client


@pytest.mark.parametrize(
    "supplied",
    [
        TOKEN[:-1],  # a prefix
        TOKEN + "x",  # one character more
        TOKEN[:-1] + "X",  # the last character wrong
        TOKEN.upper(),
        "",
        "é" * 32,  # compare_digest refuses non-ASCII str: it must never see one
    ],
    ids=["prefix", "longer", "last-char", "upper-case", "empty", "non-ascii"],
)
def test_a_token_that_is_nearly_right_is_401_by_header_and_by_query(
    secured: TestClient, supplied: str
):
    header = f"Bearer {supplied}".encode()  # raw bytes, as a client may send them
    assert secured.get("/jobs", headers={"Authorization": header}).status_code == 401
    assert secured.get("/jobs", params={"token": supplied}).status_code == 401
    assert secured.get("/jobs", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert secured.get("/jobs", params={"token": TOKEN}).status_code == 200


def test_tokens_are_compared_in_constant_time_with_compare_digest(monkeypatch):
    """A spy that still compares: every check goes through `hmac.compare_digest`, on bytes."""
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a, b):  # type: ignore[no-untyped-def]
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    assert security.token_matches(TOKEN, f"Bearer {TOKEN}", None)
    assert not security.token_matches(TOKEN, "Bearer nope", None)
    assert not security.token_matches(TOKEN, None, "é")
    assert len(calls) == 3 and all(isinstance(a, bytes) for pair in calls for a in pair)
