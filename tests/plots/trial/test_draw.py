"""draw_trial_plots on crafted trial folders: what is drawn, what is skipped, and why."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from healthopt.analysis import spectral
from healthopt.analysis.config import AnalysisConfig
from healthopt.analysis.records import WeightRecord
from healthopt.analysis.results import AnalysisResults, ModelInfo
from healthopt.plots import style
from healthopt.plots import trial as trial_plots
from healthopt.plots.trial import PLOTS, draw_trial_plots, forked

DPI = 60
TEXT_ONLY_SKIPS = {"activation_maps.png", "sample_predictions.png"}


def _assert_png(path: Path) -> None:
    assert path.is_file(), path
    assert path.stat().st_size > 2_000, f"{path.name} is suspiciously small"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert min(image.size) > 150, f"{path.name}: {image.size}"


def test_full_image_trial_draws_every_plot(make_trial, tmp_path: Path):
    out = tmp_path / "plots"
    report = draw_trial_plots(make_trial(), out, dpi=DPI)
    assert report.skipped == {}
    assert report.written == list(PLOTS)
    assert len(PLOTS) >= 12
    for name in report.written:
        _assert_png(out / name)
    assert sorted(p.name for p in out.iterdir()) == sorted(PLOTS)
    saved = json.loads(json.dumps(report.to_dict()))
    assert saved["written"] == list(PLOTS) and saved["skipped"] == {}
    assert list(saved["seconds"]) == list(PLOTS)
    assert all(0 < seconds < 60 for seconds in saved["seconds"].values())


def test_text_trial_skips_image_plots_with_a_reason(make_trial, tmp_path: Path):
    out = tmp_path / "plots"
    drawn = ["weight_distributions.png", "bias_distributions.png", "confusion_matrix.png"]
    only = sorted(TEXT_ONLY_SKIPS) + drawn
    report = draw_trial_plots(make_trial(text=True, classes=3), out, dpi=DPI, only=only)
    assert set(report.skipped) == TEXT_ONLY_SKIPS
    assert all("token sequences" in reason for reason in report.skipped.values())
    assert sorted(report.written) == sorted(drawn)
    assert not any((out / name).exists() for name in TEXT_ONLY_SKIPS)


def test_empty_folder_skips_everything_naming_the_missing_file(tmp_path: Path):
    trial = tmp_path / "trial"
    trial.mkdir()
    report = draw_trial_plots(trial, tmp_path / "plots", dpi=DPI)
    assert report.written == []
    assert set(report.skipped) == set(PLOTS)
    assert all("not found" in reason for reason in report.skipped.values())
    assert "history.json" in report.skipped["training_history.png"]
    assert "observer.json" in report.skipped["gradient_flow.png"]
    assert "analysis.json" in report.skipped["spectral_alpha.png"]
    assert "plot_inputs.npz" in report.skipped["confusion_matrix.png"]
    assert not (tmp_path / "plots").exists() or not any((tmp_path / "plots").iterdir())


def test_corrupt_json_skips_only_the_plots_that_read_it(make_trial, tmp_path: Path):
    trial = make_trial()
    (trial / "observer.json").write_text('[{"epoch": 0, "loss": ')  # cut off mid-write
    observer_plots = {
        "loss_spread.png",
        "gradient_flow.png",
        "activation_statistics.png",
        "dead_neurons.png",
        "resource_usage.png",
        "layer_timing.png",
    }
    only = sorted(observer_plots) + ["training_history.png", "health_components.png"]
    report = draw_trial_plots(trial, tmp_path / "plots", dpi=DPI, only=only)
    assert set(report.skipped) == observer_plots
    for reason in report.skipped.values():
        assert reason.startswith("observer.json: not valid JSON")
    assert report.written == ["training_history.png", "health_components.png"]


def test_json_of_the_wrong_shape_is_a_skip_not_a_crash(make_trial, tmp_path: Path):
    trial = make_trial()
    (trial / "health.json").write_text("[1, 2, 3]")
    (trial / "history.json").write_text('{"epochs": 3}')
    report = draw_trial_plots(
        trial, tmp_path / "plots", dpi=DPI, only=["health_components.png", "training_history.png"]
    )
    assert report.written == []
    assert "expected a JSON object" in report.skipped["health_components.png"]
    assert (
        "history.json: not metric -> per-epoch values (epochs:"
        in (report.skipped["training_history.png"])
    )


def test_corrupt_plot_inputs_skips_array_plots_with_the_reason(make_trial, tmp_path: Path):
    trial = make_trial()
    (trial / "plot_inputs.npz").write_bytes(b"PK\x03\x04 not really a zip")
    array_plots = ["confusion_matrix.png", "weight_distributions.png", "activation_maps.png"]
    report = draw_trial_plots(
        trial, tmp_path / "plots", dpi=DPI, only=array_plots + ["calibration.png"]
    )
    assert set(report.skipped) == set(array_plots)
    for name in array_plots:
        assert "cannot read" in report.skipped[name]
    # Calibration falls back to the bins in analysis.json.
    assert "calibration.png" in report.written


def test_missing_analysis_json_skips_spectral_alpha_only(make_trial, tmp_path: Path):
    files = tuple(f for f in ("history.json", "observer.json", "plot_inputs.npz"))
    report = draw_trial_plots(
        make_trial(files=files),
        tmp_path / "plots",
        dpi=DPI,
        only=["spectral_alpha.png", "calibration.png"],
    )
    assert report.skipped == {"spectral_alpha.png": report.skipped["spectral_alpha.png"]}
    assert "analysis.json not found" in report.skipped["spectral_alpha.png"]
    assert report.written == ["calibration.png"]


def test_calibration_without_any_source_names_both(make_trial, tmp_path: Path):
    report = draw_trial_plots(
        make_trial(files=("history.json",)), tmp_path / "plots", dpi=DPI, only=["calibration.png"]
    )
    reason = report.skipped["calibration.png"]
    assert "plot_inputs.npz not found" in reason and "analysis.json not found" in reason


def test_a_failing_plot_is_reported_and_the_others_still_draw(
    make_trial, tmp_path: Path, monkeypatch
):
    out = tmp_path / "plots"
    out.mkdir()
    (out / "loss_spread.png").write_bytes(b"stale file from an earlier run")

    def broken(data, path, dpi):
        style.figure()  # half drawn: a house figure, nothing for pyplot to keep
        raise RuntimeError("boom")

    monkeypatch.setitem(trial_plots.PLOTS, "loss_spread.png", broken)
    figures_before = len(plt.get_fignums())
    report = draw_trial_plots(
        make_trial(),
        out,
        dpi=DPI,
        only=["training_history.png", "loss_spread.png", "health_components.png"],
    )
    assert report.skipped == {"loss_spread.png": "failed while drawing: RuntimeError: boom"}
    assert report.written == ["training_history.png", "health_components.png"]
    assert set(report.seconds) == {
        "training_history.png",
        "loss_spread.png",
        "health_components.png",
    }
    assert not (out / "loss_spread.png").exists()
    assert len(plt.get_fignums()) == figures_before  # the house figures never touch pyplot


def test_only_draws_the_named_plots_and_flags_unknown_names(make_trial, tmp_path: Path):
    report = draw_trial_plots(
        make_trial(), tmp_path / "plots", dpi=DPI, only=["dead_neurons.png", "nope.png"]
    )
    assert (report.written, report.skipped) == (
        ["dead_neurons.png"],
        {"nope.png": "no such trial plot"},
    )
    assert list(report.seconds) == ["dead_neurons.png"]  # an unknown name takes no time


def test_a_single_epoch_trial_draws_its_curves_and_grids(make_trial, tmp_path: Path):
    only = [
        "training_history.png",
        "loss_spread.png",
        "gradient_flow.png",
        "activation_statistics.png",
        "weight_distributions.png",
    ]
    out = tmp_path / "plots"
    report = draw_trial_plots(make_trial(epochs=1, conv_layers=1), out, dpi=DPI, only=only)
    assert report.skipped == {}
    for name in only:
        _assert_png(out / name)


def test_many_layers_epochs_and_classes_still_draw(make_trial, tmp_path: Path):
    only = [
        "gradient_flow.png",
        "activation_statistics.png",
        "dead_neurons.png",
        "confusion_matrix.png",
        "per_class_accuracy.png",
        "spectral_alpha.png",
        "layer_timing.png",
    ]
    trial = make_trial(epochs=40, conv_layers=12, classes=100)
    out = tmp_path / "plots"
    report = draw_trial_plots(trial, out, dpi=DPI, only=only)
    assert report.skipped == {}
    for name in only:
        _assert_png(out / name)


def test_spectral_alpha_draws_the_analysis_json_the_analyzer_writes(make_trial, tmp_path: Path):
    rng = np.random.default_rng(3)
    records = [
        WeightRecord("dense", 0, "dense", "kernel", rng.standard_t(3, size=(64, 32))),
        WeightRecord("out", 1, "dense", "kernel", np.zeros((32, 10))),  # no fit: alpha None
    ]
    spectra = spectral.analyze_records(records)
    results = AnalysisResults(
        config=AnalysisConfig(),
        models=("trial",),
        model_info={"trial": ModelInfo(parameters=2368, layers=2, inputs=1)},
        spectral={"trial": spectra},
        spectral_summary={"trial": spectral.summarize(spectra)},
    )
    trial = make_trial(files=("history.json",))
    (trial / "analysis.json").write_text(results.model_json("trial").to_json_text())
    report = draw_trial_plots(trial, tmp_path / "plots", dpi=DPI, only=["spectral_alpha.png"])
    assert report.written == ["spectral_alpha.png"]
    (trial / "analysis.json").write_text(json.dumps({"model": "trial", "calibration": {}}))
    report = draw_trial_plots(trial, tmp_path / "plots", dpi=DPI, only=["spectral_alpha.png"])
    assert "no spectral layers" in report.skipped["spectral_alpha.png"]
    nested = {"model": "trial", "spectral": {"layers": [{"name": "dense", "alpha": 3.0}]}}
    (trial / "analysis.json").write_text(json.dumps(nested))
    report = draw_trial_plots(trial, tmp_path / "plots", dpi=DPI, only=["spectral_alpha.png"])
    assert (
        "analysis.json: not a valid ModelAnalysisFile: spectral"
        in (report.skipped["spectral_alpha.png"])
    )


@pytest.mark.skipif(not forked.can_fork(), reason="figures are forked on Linux only")
def test_drawn_side_by_side_the_outcome_is_the_same_as_one_by_one(make_trial, tmp_path: Path):
    trial = make_trial(text=True, classes=3)  # some plots drawn, some skipped
    serial = draw_trial_plots(trial, tmp_path / "serial", dpi=DPI, workers=1)
    forked_ = draw_trial_plots(trial, tmp_path / "forked", dpi=DPI, workers=2)
    assert serial.skipped and serial.written
    assert (forked_.written, forked_.skipped) == (serial.written, serial.skipped)
    assert list(forked_.seconds) == list(serial.seconds) == list(PLOTS)
    assert sorted(p.name for p in (tmp_path / "forked").iterdir()) == sorted(serial.written)


@pytest.mark.skipif(not forked.can_fork(), reason="figures are forked on Linux only")
def test_a_plot_that_takes_its_process_down_costs_only_itself(
    make_trial, tmp_path: Path, monkeypatch
):
    def fatal(data, path, dpi):
        path.write_bytes(b"half a PNG")
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would

    monkeypatch.setitem(trial_plots.PLOTS, "gradient_flow.png", fatal)
    out = tmp_path / "plots"
    report = draw_trial_plots(make_trial(), out, dpi=DPI, workers=2)
    assert report.skipped == {
        "gradient_flow.png": "failed while drawing: its drawing process was killed by SIGKILL"
    }
    assert report.written == [name for name in PLOTS if name != "gradient_flow.png"]
    assert not (out / "gradient_flow.png").exists()
    assert list(report.seconds) == list(PLOTS)


def test_where_no_process_can_be_forked_the_plots_are_drawn_here(
    make_trial, tmp_path: Path, monkeypatch
):
    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forked, "_fork", no_fork)
    only = ["training_history.png", "nope.png", "spectral_alpha.png"]
    report = draw_trial_plots(make_trial(files=("history.json",)), tmp_path, dpi=DPI, only=only)
    assert report.written == ["training_history.png"]
    assert set(report.skipped) == {"nope.png", "spectral_alpha.png"}
    assert list(report.seconds) == ["training_history.png", "spectral_alpha.png"]
