"""GET /runs/{run}/export: any run's trials as a file download in each format; an unknown run
is 404, an unreadable one 409 naming its file, a wrong format 422."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from healthopt.api.settings import ServerSettings

from ..optimize.scripted import alarmed, complete, fail
from ..runs.made_runs import made_run

READERS = {"csv": pd.read_csv, "parquet": pd.read_parquet, "json": pd.read_json}
MEDIA = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "json": "application/json"}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One CLI-made run of a complete, a failed and a health-pruned trial."""
    script = [complete(0.8), fail("crafted"), alarmed(1)]
    return made_run(tmp_path_factory.mktemp("made"), "cli_run", script, trials=3, pruner="none")


@pytest.fixture
def run_name(made: Path, settings: ServerSettings) -> str:
    """The made run, copied into this test's server's results folder."""
    shutil.copytree(made, settings.results_dir / made.name)
    return made.name


def test_each_format_downloads_as_a_named_attachment(client: TestClient, run_name: str):
    for fmt, reader in READERS.items():
        response = client.get(f"/runs/{run_name}/export", params={"format": fmt})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(MEDIA[fmt])
        disposition = response.headers["content-disposition"]
        assert disposition == f'attachment; filename="{run_name}_trials.{fmt}"'
        frame = reader(io.BytesIO(response.content))
        assert list(frame["state"]) == ["COMPLETE", "FAIL", "PRUNED"], fmt
        assert frame.loc[2, "pruned_by"] == "health" and frame.loc[1, "error"] == "crafted"


def test_csv_is_the_default(client: TestClient, run_name: str):
    response = client.get(f"/runs/{run_name}/export")
    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith('_trials.csv"')
    assert len(pd.read_csv(io.BytesIO(response.content))) == 3


def test_unknown_runs_and_formats_are_refused(client: TestClient, run_name: str):
    response = client.get("/runs/nope/export")
    assert response.status_code == 404 and "no run 'nope'" in response.json()["detail"]
    assert client.get("/runs/..%2F..%2Fetc/export").status_code == 404
    response = client.get(f"/runs/{run_name}/export", params={"format": "xlsx"})
    assert response.status_code == 422


def test_an_unreadable_or_unfinished_run_says_why(client: TestClient, settings: ServerSettings):
    damaged = settings.results_dir / "damaged"
    damaged.mkdir(parents=True)
    (damaged / "results.json").write_text("{not json")
    response = client.get("/runs/damaged/export")
    assert response.status_code == 409
    assert "damaged/results.json is not readable" in response.json()["detail"]

    waiting = settings.results_dir / "waiting"
    waiting.mkdir()
    (waiting / "config.json").write_text("{}")
    response = client.get("/runs/waiting/export", params={"format": "json"})
    assert response.status_code == 404
    assert "'waiting' has no results.json yet" in response.json()["detail"]


def test_a_download_or_a_refusal_leaves_no_temporary_file(
    client: TestClient,
    run_name: str,
    settings: ServerSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    damaged = settings.results_dir / "damaged"
    damaged.mkdir()
    (damaged / "results.json").write_text("[]")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    assert client.get(f"/runs/{run_name}/export", params={"format": "parquet"}).is_success
    assert client.get("/runs/damaged/export").status_code == 409
    assert list(scratch.iterdir()) == []
