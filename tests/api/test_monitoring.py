"""A trial's layer monitoring over the API: its summary and its HTML report, from crafted
observer.json files whose layers have known classes and anomalies."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from healthopt.api.app import create_app
from healthopt.monitoring import monitor
from healthopt.records import read_epochs
from healthopt.records.monitoring import MonitoringSummary

from .conftest import finished_job, make_settings

TOKEN = "s3cr3t-token-value"


def _layer(
    mean_square: float,
    std: float,
    variance: float,
    entropy: float,
    change: float,
    dead: float = 0.0,
    kind: str = "Dense",
) -> dict:
    """One layer's observer figures; the monitoring metrics follow from them (metrics.py)."""
    return {
        "type": kind,
        "num_parameters": 100,
        "activation_mean_square": mean_square,
        "activation_std": std,
        "activation_variance_across_samples": variance,
        "activation_entropy": entropy,
        "weight_change": change,
        "activation_zero_fraction": 0.1,
        "dead_unit_fraction": dead,
    }


# luminosity tanh(1) = 0.76, resilience 1/1.01 = 0.99: Sentinel (entropy 0.5 is no Oracle).
SENTINEL = {"mean_square": 1.0, "std": 0.5, "variance": 0.5, "entropy": 0.5, "change": 0.01}
# variance 0.95 with resilience 1/2.5 = 0.4: Trickster.
TRICKSTER = {**SENTINEL, "variance": 0.95, "change": 1.5}
DEAD = {"mean_square": 0.0, "std": 0.0, "variance": 0.0, "entropy": 0.0, "change": 0.0}


def _epochs(count: int = 6) -> list[dict]:
    """conv_0 is a Trickster but a Sentinel at epoch 1 (two changes in six epochs: unstable,
    and too early to be spikes); dense_0 is a steady Sentinel
    whose entropy jumps by 0.36 into the last epoch (a spike); dense_1 is dead throughout; the
    flatten layer has no weights and is not monitored; the loss falls."""
    records = []
    for epoch in range(count):
        spike = 0.36 if epoch == count - 1 else 0.01 * epoch
        records.append(
            {
                "epoch": epoch,
                "loss": {"train_epoch": 1.0 - 0.1 * epoch},
                "layer_health": {
                    "layers": {
                        "conv_0": _layer(kind="Conv2D", **(SENTINEL if epoch == 1 else TRICKSTER)),
                        "flatten": {"type": "Flatten", "num_parameters": 0},
                        "dense_0": _layer(**{**SENTINEL, "entropy": 0.5 + spike}),
                        "dense_1": _layer(**DEAD, dead=1.0),
                    }
                },
            }
        )
    return records


def _trial_folder(job) -> Path:
    return Path(job.run_dir) / "trials" / "trial_0"


def _with_observer(client: TestClient, settings, records: object = None):
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    (_trial_folder(job) / "observer.json").write_text(
        json.dumps(_epochs() if records is None else records)
    )
    return job


def _url(job, trial: int = 0, report: bool = False) -> str:
    return f"/jobs/{job.id}/trials/{trial}/monitoring" + ("/report" if report else "")


def test_the_summary_is_computed_from_observer_json_without_writing(client, settings):
    job = _with_observer(client, settings)
    answer = client.get(_url(job))
    assert answer.status_code == 200
    summary = MonitoringSummary.from_json(answer.text)
    assert [layer.name for layer in summary.layers] == ["conv_0", "dense_0", "dense_1"]
    conv = summary.layer("conv_0")
    assert conv is not None
    assert [e.layer_class for e in conv.epochs] == ["Trickster", "Sentinel"] + ["Trickster"] * 4
    assert conv.epochs[0].rule == "variance > 0.9 and resilience < 0.5"
    assert conv.summary_class == "Trickster" and conv.class_changes == 2
    assert summary.layer("dense_0").summary_class == "Sentinel"  # type: ignore[union-attr]
    found = {(a.type, a.layer, a.epoch, a.metric) for a in summary.anomalies}
    assert found == {
        ("classification_instability", "conv_0", None, None),
        ("metric_spike", "dense_0", 5, "entropy"),
        ("convergence_issue", "dense_1", None, None),
    }
    assert "not learning" in summary.layer("dense_1").recommendation  # type: ignore[union-attr]
    assert summary.monitored_epochs == [0, 1, 2, 3, 4, 5]
    assert not (_trial_folder(job) / "monitoring").exists()


def test_the_trials_own_summary_file_is_served_while_it_is_current(client, settings):
    job = _with_observer(client, settings)
    folder = _trial_folder(job)
    written = monitor(read_epochs(_epochs())).model_copy(update={"notes": ["from the file"]})
    (folder / "monitoring").mkdir()
    (folder / "monitoring" / "training_summary.json").write_text(written.to_json_text())
    assert client.get(_url(job)).json()["notes"] == ["from the file"]
    # Epochs recorded after the file was written make it stale: computed afresh.
    observer = folder / "observer.json"
    later = (folder / "monitoring" / "training_summary.json").stat().st_mtime_ns + 10**9
    os.utime(observer, ns=(later, later))
    assert client.get(_url(job)).json()["notes"] == []


def test_a_summary_file_without_observer_json_is_served(client, settings):
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    folder = _trial_folder(job) / "monitoring"
    folder.mkdir()
    written = monitor(read_epochs(_epochs()))
    (folder / "training_summary.json").write_text(written.to_json_text())
    assert MonitoringSummary.from_json(client.get(_url(job)).text) == written


def test_a_missing_trial_or_observer_json_is_404_naming_it(client, settings):
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    for report in (False, True):
        missing = client.get(_url(job, trial=7, report=report))
        assert missing.status_code == 404 and "no trial 7" in missing.json()["detail"]
        nothing = client.get(_url(job, report=report))
        assert nothing.status_code == 404 and "observer.json" in nothing.json()["detail"]
    assert client.get(f"/jobs/{'0' * 32}/trials/0/monitoring").status_code == 404
    assert client.get(_url(job, trial=-1)).status_code == 422
    assert client.get(_url(job, trial=10_000_001)).status_code == 422


def test_an_empty_observer_json_is_404_nothing_to_monitor(client, settings):
    job = _with_observer(client, settings, records=[])
    answer = client.get(_url(job))
    assert answer.status_code == 404 and "holds no epoch" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "is not valid JSON"),
        (json.dumps({"epochs": []}), "expected a list of epochs, found dict"),
        (json.dumps([{"epoch": 0}, {"epoch": "first"}]), "entry 1: not a valid EpochRecord: epoch"),
        (json.dumps([{"acc": 0.9, "val_loss": 0.1}]), "entry 0 has none of an epoch"),
        (json.dumps([3]), "entry 0: not a valid EpochRecord"),
    ],
)
def test_a_corrupt_or_foreign_observer_json_is_409_naming_it(client, settings, text, problem):
    """Never a summary that looks clean from records that could not be read."""
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    (_trial_folder(job) / "observer.json").write_text(text)
    for report in (False, True):
        answer = client.get(_url(job, report=report))
        detail = answer.json()["detail"]
        assert answer.status_code == 409, detail
        assert f"{Path(job.run_dir).name}/trials/trial_0/observer.json" in detail
        assert problem in detail and str(settings.results_dir.resolve()) not in detail
    assert not (_trial_folder(job) / "monitoring").exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[1, 2", "is not readable"),
        (json.dumps({"schema_version": 99, "monitor_every": 1, "epochs_recorded": 1}), "newer"),
        (json.dumps({"schema_version": 1, "layers": []}), "monitor_every"),
    ],
)
def test_a_corrupt_summary_file_is_409_naming_it(client, settings, text, problem):
    job = _with_observer(client, settings)
    folder = _trial_folder(job) / "monitoring"
    folder.mkdir()
    (folder / "training_summary.json").write_text(text)
    answer = client.get(_url(job))
    assert answer.status_code == 409
    assert "trial_0/monitoring/training_summary.json" in answer.json()["detail"]
    assert problem in answer.json()["detail"]


def test_a_trial_folder_linked_outside_the_results_is_not_found(client, settings, tmp_path):
    job = finished_job(client.app.state.healthopt.store, settings.results_dir)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "observer.json").write_text(json.dumps(_epochs()))
    (Path(job.run_dir) / "trials" / "trial_3").symlink_to(outside)
    assert client.get(_url(job, trial=3)).status_code == 404
    (_trial_folder(job) / "observer.json").symlink_to(outside / "observer.json")
    answer = client.get(_url(job))
    assert answer.status_code == 404 and "observer.json" in answer.json()["detail"]


def test_the_report_is_drawn_once_on_demand_then_served(client, settings, monkeypatch):
    import healthopt.monitoring.report as report_module

    job = _with_observer(client, settings)
    drawn: list[Path] = []
    real = report_module.write_monitoring

    def counted(records, out, **options):
        drawn.append(out)
        return real(records, out, **options)

    monkeypatch.setattr(report_module, "write_monitoring", counted)
    answers: list = []
    requests = [
        threading.Thread(target=lambda: answers.append(client.get(_url(job, report=True))))
        for _ in range(2)
    ]
    for request in requests:
        request.start()
    for request in requests:
        request.join()
    assert [answer.status_code for answer in answers] == [200, 200]
    assert len(drawn) == 1  # the second request found the first one's report
    page = answers[0]
    assert page.headers["content-type"].startswith("text/html")
    assert "sandbox" in page.headers["content-security-policy"]
    assert "data:image/" in page.text and "conv_0" in page.text
    report = _trial_folder(job) / "monitoring" / "monitoring_report.html"
    assert page.text == answers[1].text == report.read_text(encoding="utf-8")
    assert (_trial_folder(job) / "monitoring" / "training_summary.json").is_file()
    # A report older than the epoch records is drawn again.
    later = report.stat().st_mtime_ns + 10**9
    os.utime(_trial_folder(job) / "observer.json", ns=(later, later))
    assert client.get(_url(job, report=True)).status_code == 200
    assert len(drawn) == 2


def test_the_trials_own_report_is_served_as_it_is(client, settings):
    job = _with_observer(client, settings)
    folder = _trial_folder(job) / "monitoring"
    folder.mkdir()
    (folder / "monitoring_report.html").write_text("<html><body>written by the trial</body>")
    (folder / "layer_classifications.png").write_bytes(b"drawn")
    answer = client.get(_url(job, report=True))
    assert answer.status_code == 200 and "written by the trial" in answer.text


def test_a_report_the_trial_wrote_without_images_is_drawn_with_them(client, settings):
    """A trial whose plots were not drawn wrote its report without images; asked for, it
    gets them."""
    job = _with_observer(client, settings)
    folder = _trial_folder(job) / "monitoring"
    folder.mkdir()
    (folder / "monitoring_report.html").write_text("<html><body>written by the trial</body>")
    answer = client.get(_url(job, report=True))
    assert answer.status_code == 200 and "written by the trial" not in answer.text
    assert 'src="data:image/png;base64,' in answer.text
    assert (folder / "layer_classifications.png").is_file()


def test_a_report_drawn_again_keeps_the_trials_monitoring_frequency(client, settings):
    job = _with_observer(client, settings)
    folder = _trial_folder(job) / "monitoring"
    folder.mkdir()
    every_third = monitor(read_epochs(_epochs()), every=3)
    (folder / "training_summary.json").write_text(every_third.to_json_text())
    assert client.get(_url(job, report=True)).status_code == 200  # no report yet: drawn
    redrawn = MonitoringSummary.from_json((folder / "training_summary.json").read_text())
    assert redrawn.monitor_every == 3 and redrawn.monitored_epochs == [0, 3, 5]


def test_a_report_that_cannot_be_written_in_place_is_drawn_aside(client, settings):
    """A results folder the server may not write still gets its report, and keeps nothing."""
    job = _with_observer(client, settings)
    (_trial_folder(job) / "monitoring").write_text("a file where the folder should be")
    answer = client.get(_url(job, report=True))
    assert answer.status_code == 200 and "data:image/" in answer.text
    assert (_trial_folder(job) / "monitoring").read_text() == "a file where the folder should be"


@pytest.fixture
def secured(tmp_path: Path):
    settings = make_settings(tmp_path, api_token=TOKEN)
    with TestClient(create_app(settings)) as client:
        yield client, _with_observer(client, settings)


def test_both_routes_need_the_token(secured):
    client, job = secured
    for path in (_url(job), _url(job, report=True)):
        denied = client.get(path)
        assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
        assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = client.get(_url(job), headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and TOKEN not in answer.text
