"""The best model's architecture as SVG and PDF diagrams, its forward signals, and
optimized_model/ as one ZIP, on crafted run folders (nothing is trained)."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from healthopt.optimize.assembly import assemble_best
from healthopt.records import RunResults

from ..builders import healthy_epoch
from .conftest import finished_job

SVG = "{http://www.w3.org/2000/svg}"


def _job(client, settings):
    return finished_job(client.app.state.healthopt.store, settings.results_dir)


def _trial(job) -> Path:
    return Path(job.run_dir) / "trials" / "trial_0"


def test_the_best_models_diagrams_are_served_inline_and_parse(client, settings):
    job = _job(client, settings)
    best = client.get(f"/jobs/{job.id}/best-model").json()
    base = f"/jobs/{job.id}/best-model"
    assert best["architecture_svg_url"] == f"{base}/architecture.svg"
    assert best["architecture_pdf_url"] == f"{base}/architecture.pdf"
    layers = [box["layer_id"] for box in best["architecture"]["visualization"]["layers"]]

    svg = client.get(best["architecture_svg_url"])
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    disposition = svg.headers["content-disposition"]
    assert disposition == f'inline; filename="{job.run_name}_trial_0_architecture.svg"'
    groups = {g.get("id") for g in ET.fromstring(svg.content).iter(f"{SVG}g")}
    assert {f"layer-box-{i}" for i in range(len(layers))} <= groups
    assert f"layer-box-{len(layers)}" not in groups

    pdf = client.get(best["architecture_pdf_url"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert f"{job.run_name}_trial_0_architecture.pdf" in pdf.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert all(layer in text for layer in layers)


def test_without_an_architecture_there_are_no_diagram_urls_and_the_routes_say_why(client, settings):
    job = _job(client, settings)
    (_trial(job) / "architecture.json").unlink()
    best = client.get(f"/jobs/{job.id}/best-model").json()
    assert best["architecture"] is None
    assert best["architecture_svg_url"] is None and best["architecture_pdf_url"] is None
    for fmt in ("svg", "pdf"):
        response = client.get(f"/jobs/{job.id}/best-model/architecture.{fmt}")
        assert response.status_code == 404
        assert "trial 0 has no architecture" in response.json()["detail"]


def test_the_openapi_document_names_the_diagrams_media_types(client):
    paths = client.get("/openapi.json").json()["paths"]
    for prefix in ("/jobs/{job_id}/best-model", "/runs/{run}/trials/{trial}"):
        svg = paths[f"{prefix}/architecture.svg"]["get"]["responses"]["200"]["content"]
        pdf = paths[f"{prefix}/architecture.pdf"]["get"]["responses"]["200"]["content"]
        assert "image/svg+xml" in svg and "application/pdf" in pdf
    bundle = paths["/jobs/{job_id}/best-model/bundle.zip"]["get"]["responses"]["200"]
    assert "application/zip" in bundle["content"]


def test_the_view_carries_the_forward_signals_of_the_trials_epoch_records(client, settings):
    job = _job(client, settings)
    epochs = [healthy_epoch(k) for k in range(3)]
    (_trial(job) / "observer.json").write_text(json.dumps(epochs))
    view = client.get(f"/jobs/{job.id}/best-model").json()["architecture"]
    rms, share = view["forward_signals"]
    assert (rms["measure"], share["measure"]) == ("activation_rms", "forward_time_share")
    assert rms["epoch"] == 2
    # dense_0 is timed in the records but is no layer of this model: left out.
    assert share["values"] == {"conv_0": 25.0, "conv_1": 35.0, "predictions": 15.0}
    assert share["intensities"]["conv_1"] == 1.0
    assert client.get(f"/jobs/{job.id}/best-model/architecture").json() == view


def test_an_unreadable_observer_file_costs_only_the_signals(client, settings, caplog):
    job = _job(client, settings)
    assert client.get(f"/jobs/{job.id}/best-model").json()["architecture"]["forward_signals"] == []
    (_trial(job) / "observer.json").write_text("[{not json")
    with caplog.at_level(logging.WARNING, logger="healthopt.api.routers.models"):
        response = client.get(f"/jobs/{job.id}/best-model")
    assert response.status_code == 200
    assert response.json()["architecture"]["forward_signals"] == []
    assert "no forward signals for trial 0" in caplog.text
    (_trial(job) / "observer.json").write_text('{"epochs": 3}')  # JSON, not epoch records
    assert client.get(f"/jobs/{job.id}/best-model").json()["architecture"] is not None


def _unassembled(job) -> RunResults:
    """The job's run as it is before the last trial: no optimized_model/ yet."""
    run_dir = Path(job.run_dir)
    for path in (run_dir / "optimized_model").iterdir():
        path.unlink()
    (run_dir / "optimized_model").rmdir()
    data = json.loads((run_dir / "results.json").read_text())
    data["optimized_model_path"] = None
    (run_dir / "results.json").write_text(json.dumps(data))
    return RunResults.from_json(data)


def test_the_bundle_is_404_until_assembled_then_holds_the_whole_folder(client, settings):
    job = _job(client, settings)
    run_dir = Path(job.run_dir)
    results = _unassembled(job)
    best = client.get(f"/jobs/{job.id}/best-model").json()
    assert best["bundle_url"] is None and best["model_ready"] is False
    missing = client.get(f"/jobs/{job.id}/best-model/bundle.zip")
    assert missing.status_code == 404 and "no optimized model yet" in missing.json()["detail"]

    model = b"the best trial's model"
    (_trial(job) / "model.keras").write_bytes(model)
    (_trial(job) / "observer.json").write_text(json.dumps([healthy_epoch(0)]))
    record = results.trials[0].model_copy(
        update={"model_sha256": hashlib.sha256(model).hexdigest()}
    )
    path = assemble_best(run_dir, record, "digits")
    data = json.loads((run_dir / "results.json").read_text())
    data["optimized_model_path"] = path.relative_to(run_dir).as_posix()
    data["optimized_model_sha256"] = hashlib.sha256(model).hexdigest()
    (run_dir / "results.json").write_text(json.dumps(data))

    best = client.get(f"/jobs/{job.id}/best-model").json()
    assert best["bundle_url"] == f"/jobs/{job.id}/best-model/bundle.zip"
    response = client.get(best["bundle_url"])
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert f"{job.run_name}_best_model.zip" in response.headers["content-disposition"]
    top = job.run_name
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
        assert archive.read(f"{top}/{path.name}") == model
        view = json.loads(archive.read(f"{top}/architecture_view.json"))
        assert ET.fromstring(archive.read(f"{top}/architecture.svg")).tag == f"{SVG}svg"
        pdf = PdfReader(io.BytesIO(archive.read(f"{top}/architecture.pdf")))
        assert len(pdf.pages) == 1
    assert {f"{top}/best_trial.json", f"{top}/architecture.json"} <= names
    assert all(name.startswith(f"{top}/") for name in names)
    on_disk = {p.relative_to(path.parent).as_posix() for p in path.parent.rglob("*") if p.is_file()}
    assert names == {f"{top}/{name}" for name in on_disk}
    # The assembled view carries the signals of the epoch records it was assembled with.
    assert [s["measure"] for s in view["forward_signals"]] == [
        "activation_rms",
        "forward_time_share",
    ]


def test_a_bundle_whose_model_changed_on_disk_is_not_served(client, settings):
    job = _job(client, settings)
    run_dir = Path(job.run_dir)
    data = json.loads((run_dir / "results.json").read_text())
    data["optimized_model_sha256"] = hashlib.sha256(b"what was shipped").hexdigest()
    (run_dir / "results.json").write_text(json.dumps(data))
    response = client.get(f"/jobs/{job.id}/best-model/bundle.zip")
    assert response.status_code == 409 and "cannot be served" in response.json()["detail"]


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_an_unknown_job_has_no_diagram(client, fmt):
    assert client.get(f"/jobs/{'0' * 32}/best-model/architecture.{fmt}").status_code == 404
