"""Gradient flow on the cases a log axis cannot show directly: zero and non-finite norms."""

from __future__ import annotations

import json
from pathlib import Path

from healthopt.plots.trial import draw_trial_plots


def _set_gradients(trial: Path, value, finite: bool) -> None:
    records = json.loads((trial / "observer.json").read_text())
    for record in records:
        for entry in record["layer_health"]["layers"].values():
            if entry["num_parameters"]:
                entry["gradient_norm"], entry["gradient_finite"] = value, finite
    (trial / "observer.json").write_text(json.dumps(records))


def test_all_zero_gradients_are_drawn_not_skipped(make_trial, tmp_path: Path):
    trial = make_trial(files=("observer.json",))
    _set_gradients(trial, 0.0, True)
    report = draw_trial_plots(trial, tmp_path / "plots", dpi=60, only=["gradient_flow.png"])
    assert report.written == ["gradient_flow.png"]


def test_non_finite_gradients_are_drawn_not_skipped(make_trial, tmp_path: Path):
    trial = make_trial(files=("observer.json",))
    _set_gradients(trial, None, False)  # JSON has no inf: the observer writes null + flag
    report = draw_trial_plots(trial, tmp_path / "plots", dpi=60, only=["gradient_flow.png"])
    assert report.written == ["gradient_flow.png"]


def test_layers_without_gradient_records_are_a_skip(make_trial, tmp_path: Path):
    trial = make_trial(files=("observer.json",))
    _set_gradients(trial, None, None)
    report = draw_trial_plots(trial, tmp_path / "plots", dpi=60, only=["gradient_flow.png"])
    assert "no gradient norm value" in report.skipped["gradient_flow.png"]
