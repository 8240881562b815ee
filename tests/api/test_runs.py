"""GET /runs and its trials: every run folder of the server's results folder, CLI runs beside
its jobs, read from real run folders (the optimizer on the scripted executor) whose trials
are known from their script."""

from __future__ import annotations

import io
import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from healthopt.api.app import create_app

from ..builders import healthy_epoch
from ..optimize.scripted import MODEL_BYTES, PNG_BYTES, Outcome, alarmed, fail, learning
from ..runs.made_runs import made_run
from .conftest import finished_job, make_settings

TRIALS = 8
RUN = "cli_run"


def script(spec) -> Outcome:
    """Trial 1 fails, trial 2 is pruned by health at epoch 1, the others complete with a val
    accuracy of 0.5 + n/100 (the last is best)."""
    number = spec.trial_number
    if number == 1:
        return fail("boom: out of memory")
    if number == 2:
        return alarmed(1)
    return learning([0.2, 0.4, 0.5 + number / 100], neuron_utilization=0.8)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("made")
    return made_run(root, RUN, script, trials=TRIALS, plot_generation="all")


@pytest.fixture
def results_dir(made: Path, tmp_path: Path) -> Path:
    """A server's results folder holding a copy of the CLI run (the test may damage it)."""
    shutil.copytree(made, tmp_path / "results" / RUN)
    return tmp_path / "results"


@pytest.fixture
def client(results_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path, results_dir=results_dir))) as test_client:
        yield test_client


def run_file(results_dir: Path, *parts: str) -> Path:
    return results_dir.joinpath(RUN, *parts)


def test_a_cli_made_run_appears_in_get_runs_beside_the_servers_jobs(
    client: TestClient, results_dir: Path
):
    job = finished_job(client.app.state.healthopt.store, results_dir)
    runs = client.get("/runs").json()["runs"]
    by_name = {r["name"]: r for r in runs}
    assert set(by_name) == {RUN, job.run_name}
    cli = by_name[RUN]
    assert (cli["source"], cli["job_id"], cli["job_status"]) == ("cli", None, None)
    assert (cli["dataset"], cli["mode"], cli["finished"]) == ("digits", "simple", True)
    assert cli["trials_requested"] == cli["trials_finished"] == TRIALS
    assert (cli["trials_complete"], cli["trials_pruned"], cli["trials_failed"]) == (6, 1, 1)
    assert cli["best_trial"] == 7 and cli["best_val_accuracy"] == pytest.approx(0.57)
    assert cli["error"] is None
    served = by_name[job.run_name]
    assert (served["source"], served["job_id"], served["job_status"]) == (
        "job",
        job.id,
        "completed",
    )
    assert served["finished"] and served["best_trial"] == 0
    assert runs[0]["name"] == job.run_name  # newest first


def test_a_run_in_full(client: TestClient, results_dir: Path):
    detail = client.get(f"/runs/{RUN}").json()
    assert detail["summary"]["name"] == RUN and detail["summary"]["trials_complete"] == 6
    assert detail["settings"]["trials"] == TRIALS and detail["settings"]["run_name"] == RUN
    assert detail["selection"]["trial"] == 7 and detail["ranking"] == [7, 6, 5, 4, 3, 0]
    assert detail["scoring_weights"]["accuracy_weight"] == 1.0
    assert detail["compute"]["trials_pruned"] == 1
    assert detail["pareto_front"] is None


def test_trials_come_page_by_page_and_by_state(client: TestClient):
    page = client.get(f"/runs/{RUN}/trials", params={"offset": 2, "limit": 3}).json()
    assert (page["run"], page["total"], page["offset"], page["limit"]) == (RUN, TRIALS, 2, 3)
    assert [t["number"] for t in page["trials"]] == [2, 3, 4] and page["next_offset"] == 5
    last = client.get(f"/runs/{RUN}/trials", params={"offset": 6}).json()
    assert [t["number"] for t in last["trials"]] == [6, 7] and last["next_offset"] is None
    by_score = client.get(f"/runs/{RUN}/trials", params={"order": "score"}).json()
    assert [t["number"] for t in by_score["trials"]] == [7, 6, 5, 4, 3, 0, 1, 2]  # unscored last
    failed = client.get(f"/runs/{RUN}/trials", params={"state": "FAIL"}).json()
    assert failed["total"] == 1 and failed["trials"][0]["error"] == "boom: out of memory"
    pruned = client.get(f"/runs/{RUN}/trials", params={"state": "PRUNED"}).json()
    assert [t["number"] for t in pruned["trials"]] == [2]
    first = client.get(f"/runs/{RUN}/trials").json()["trials"][0]
    assert first["started"] is not None and first["finished"] is not None
    assert first["health_score"] == pytest.approx(0.25 * 0.8 * (0.5 - 0.1) / 0.9)


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"state": "RUNNING"}, {"order": "health"}],
)
def test_a_page_out_of_bounds_is_refused(client: TestClient, params: dict):
    assert client.get(f"/runs/{RUN}/trials", params=params).status_code == 422


def test_the_best_trial_in_full(client: TestClient):
    detail = client.get(f"/runs/{RUN}/trials/7").json()
    assert (detail["run"], detail["job_id"], detail["is_best"], detail["rank"]) == (
        RUN,
        None,
        True,
        1,
    )
    assert detail["trial"]["number"] == 7 and detail["trial"]["state"] == "COMPLETE"
    assert detail["learning_curves"]["val_accuracy"] == pytest.approx([0.2, 0.4, 0.57])
    base = f"/runs/{RUN}/trials/7"
    assert detail["plots"] == [
        {
            "trial": 7,
            "name": "training_history.png",
            "url": f"{base}/plots/training_history.png",
            "size_bytes": len(PNG_BYTES),
        }
    ]
    assert detail["model_url"] == f"{base}/model"
    assert detail["plots_zip_url"] == f"{base}/plots.zip"
    assert detail["architecture"] is not None and detail["architecture"]["cytoscape"]["elements"]
    assert detail["monitoring_url"] is None
    assert detail["notes"] == ["no diagnostics: trials/trial_7 has no diagnostics.json"]


def test_a_non_best_trial_ranks_below(client: TestClient):
    detail = client.get(f"/runs/{RUN}/trials/5").json()
    assert (detail["is_best"], detail["rank"]) == (False, 3)


def test_failed_and_pruned_trials_are_shown_with_their_reasons(client: TestClient):
    pruned = client.get(f"/runs/{RUN}/trials/2").json()
    assert pruned["trial"]["state"] == "PRUNED"
    assert pruned["trial"]["pruned"]["check"] == "nan_in_loss"
    assert (pruned["is_best"], pruned["rank"], pruned["model_url"]) == (False, None, None)
    assert pruned["learning_curves"]["val_accuracy"] == [0.1]
    assert any(n.startswith("no model: the trial was pruned") for n in pruned["notes"])
    failed = client.get(f"/runs/{RUN}/trials/1").json()
    assert failed["trial"]["state"] == "FAIL"
    assert failed["trial"]["error"] == "boom: out of memory"
    assert any("boom: out of memory" in n for n in failed["notes"])
    assert client.get(f"/runs/{RUN}/trials/2/model").status_code == 404


def test_an_unknown_trial_or_run_is_404_with_the_reason(client: TestClient):
    missing = client.get(f"/runs/{RUN}/trials/99")
    assert missing.status_code == 404 and "no finished trial 99" in missing.json()["detail"]
    # Every route under /runs/{run} finds its run the same way (RunDep).
    for tail in ("", "/trials", "/trials/0", "/views", "/recommendations"):
        path = f"/runs/nope{tail}"
        response = client.get(path)
        assert response.status_code == 404 and "nope" in response.json()["detail"]
    assert client.get("/runs/.hidden").status_code == 404  # not a run name at all
    assert "/" not in client.get("/runs/nope").json()["detail"]  # no server path leaks


def test_a_corrupt_results_file_is_listed_with_its_error_and_a_409_on_detail(
    client: TestClient, results_dir: Path
):
    run_file(results_dir, "results.json").write_text('{"trials": [')
    (listed,) = client.get("/runs").json()["runs"]
    assert listed["name"] == RUN and "cli_run/results.json" in listed["error"]
    assert listed["trials_complete"] == 0
    for tail in ("", "/trials", "/trials/7", "/views", "/recommendations"):
        path = f"/runs/{RUN}{tail}"
        response = client.get(path)
        assert response.status_code == 409
        assert "cli_run/results.json" in response.json()["detail"]


def test_a_corrupt_history_is_a_409_naming_it(client: TestClient, results_dir: Path):
    run_file(results_dir, "trials", "trial_7", "history.json").write_text('{"loss": ["x"]}')
    response = client.get(f"/runs/{RUN}/trials/7")
    assert response.status_code == 409
    assert "cli_run/trials/trial_7/history.json" in response.json()["detail"]


def test_a_trials_model_is_served_once_it_matches_its_digest(client: TestClient, results_dir: Path):
    response = client.get(f"/runs/{RUN}/trials/5/model")
    assert response.status_code == 200 and response.content == MODEL_BYTES
    assert f"{RUN}_trial_5.keras" in response.headers["content-disposition"]
    run_file(results_dir, "trials", "trial_5", "model.keras").write_bytes(b"changed on disk")
    tampered = client.get(f"/runs/{RUN}/trials/5/model")
    assert tampered.status_code == 409 and "cannot be served" in tampered.json()["detail"]


def test_a_trials_plots_are_served_one_by_one_and_zipped(client: TestClient, results_dir: Path):
    plot = client.get(f"/runs/{RUN}/trials/3/plots/training_history.png")
    assert plot.status_code == 200 and plot.headers["content-type"] == "image/png"
    assert plot.content == PNG_BYTES
    archive = client.get(f"/runs/{RUN}/trials/3/plots.zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert opened.namelist() == ["training_history.png"]
        assert opened.read("training_history.png") == PNG_BYTES
    assert client.get(f"/runs/{RUN}/trials/3/plots/other.png").status_code == 404
    assert client.get(f"/runs/{RUN}/trials/3/plots/plots.json").status_code == 404
    shutil.rmtree(run_file(results_dir, "plots", "trial_3"))
    assert client.get(f"/runs/{RUN}/trials/3/plots.zip").status_code == 404
    detail = client.get(f"/runs/{RUN}/trials/3").json()
    assert detail["plots"] == [] and detail["plots_zip_url"] is None


def test_a_jobs_trial_links_its_layer_monitoring(client: TestClient, results_dir: Path):
    job = finished_job(client.app.state.healthopt.store, results_dir)
    detail = client.get(f"/runs/{job.run_name}/trials/0").json()
    assert detail["job_id"] == job.id and detail["monitoring_url"] is None
    (Path(job.run_dir) / "trials" / "trial_0" / "observer.json").write_text("{}")
    detail = client.get(f"/runs/{job.run_name}/trials/0").json()
    assert detail["monitoring_url"] == f"/jobs/{job.id}/trials/0/monitoring"
    assert detail["model_url"] is None  # the crafted job kept its trial's model nowhere


def test_a_trials_architecture_is_served_as_svg_and_pdf_diagrams(client: TestClient):
    detail = client.get(f"/runs/{RUN}/trials/5").json()
    base = f"/runs/{RUN}/trials/5"
    assert detail["architecture_svg_url"] == f"{base}/architecture.svg"
    assert detail["architecture_pdf_url"] == f"{base}/architecture.pdf"
    layers = [box["layer_id"] for box in detail["architecture"]["visualization"]["layers"]]
    svg = client.get(detail["architecture_svg_url"])
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.headers["content-disposition"] == (
        f'inline; filename="{RUN}_trial_5_architecture.svg"'
    )
    root = ET.fromstring(svg.content)
    boxes = [
        g
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("id", "").startswith("layer-box-")
    ]
    assert len(boxes) == len(layers)
    pdf = client.get(detail["architecture_pdf_url"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert f"{RUN}_trial_5_architecture.pdf" in pdf.headers["content-disposition"]
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert all(layer in text for layer in layers)


def test_a_trial_without_architecture_has_no_diagrams(client: TestClient, results_dir: Path):
    run_file(results_dir, "trials", "trial_4", "architecture.json").unlink()
    detail = client.get(f"/runs/{RUN}/trials/4").json()
    assert detail["architecture"] is None
    assert detail["architecture_svg_url"] is None and detail["architecture_pdf_url"] is None
    for fmt in ("svg", "pdf"):
        response = client.get(f"/runs/{RUN}/trials/4/architecture.{fmt}")
        assert response.status_code == 404
        assert "trial 4 has no architecture" in response.json()["detail"]
    unknown = client.get(f"/runs/{RUN}/trials/99/architecture.svg")
    assert unknown.status_code == 404 and "no finished trial 99" in unknown.json()["detail"]


def test_a_trials_view_plays_the_signals_its_epoch_records_hold(
    client: TestClient, results_dir: Path
):
    assert client.get(f"/runs/{RUN}/trials/6").json()["architecture"]["forward_signals"] == []
    epochs = [healthy_epoch(k) for k in range(2)]
    run_file(results_dir, "trials", "trial_6", "observer.json").write_text(json.dumps(epochs))
    signals = client.get(f"/runs/{RUN}/trials/6").json()["architecture"]["forward_signals"]
    assert [s["measure"] for s in signals] == ["activation_rms", "forward_time_share"]
    assert all(s["epoch"] == 1 for s in signals)
    assert set(signals[0]["values"]) == {"conv_0", "conv_1", "dense_0", "predictions"}
