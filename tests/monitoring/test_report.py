"""`write_monitoring` on crafted epoch records whose classes are known.

Three layers with every figure the observer records: `wide` is an Oracle (entropy 0.95 >
0.8, fracture density 0.9 > 0.7), `plain` a Wanderer (no rule fires), `dead` an Archivist
(entropy 0 < 0.3, weights unchanged so resilience 1 > 0.8) that never learned (every unit
dead), so it also carries a convergence_issue anomaly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PIL import Image

from healthopt.monitoring.report import MAX_LAYER_IMAGES, MAX_LAYERS_DRAWN, write_monitoring
from healthopt.records import EpochRecord
from healthopt.records.monitoring import MonitoringSummary

BINS = 32
SEED_FILES = (
    "training_summary.json",
    "metrics_evolution.png",
    "layer_classifications.png",
    "distribution_evolution.gif",
    "monitoring_report.html",
)


def _histogram(low: float, high: float, peak: int) -> dict:
    counts = [10] * BINS
    counts[peak % BINS] = 200
    return {"low": low, "high": high, "counts": counts}


def _wide(epoch: int) -> dict:
    # rms 1, std 0.9: fracture density 0.9; luminosity tanh(1) = 0.76
    return {
        "type": "Dense", "num_parameters": 80, "activation_mean": 0.2, "activation_std": 0.9,
        "activation_mean_square": 1.0, "activation_variance_across_samples": 0.5,
        "activation_zero_fraction": 0.0, "activation_entropy": 0.95, "weight_change": 0.05,
        "dead_unit_fraction": 0.0, "activation_histogram": _histogram(-2.0, 2.0 + epoch, epoch),
    }  # fmt: skip


def _plain(epoch: int) -> dict:
    return {
        "type": "Conv2D", "num_parameters": 40, "activation_mean": 0.3, "activation_std": 0.3,
        "activation_mean_square": 0.25, "activation_variance_across_samples": 0.05,
        "activation_zero_fraction": 0.4, "activation_entropy": 0.6, "weight_change": 0.05,
        "dead_unit_fraction": 0.1, "activation_histogram": _histogram(0.0, 1.5, 3 + epoch),
    }  # fmt: skip


def _dead(epoch: int) -> dict:
    counts = [0] * BINS
    counts[0] = 512  # one value: every activation 0
    return {
        "type": "Dense", "num_parameters": 20, "activation_mean": 0.0, "activation_std": 0.0,
        "activation_mean_square": 0.0, "activation_variance_across_samples": 0.0,
        "activation_zero_fraction": 1.0, "activation_entropy": 0.0, "weight_change": 0.0,
        "dead_unit_fraction": 1.0,
        "activation_histogram": {"low": 0.0, "high": 0.0, "counts": counts},
    }  # fmt: skip


LAYERS = {"wide": _wide, "plain": _plain, "dead": _dead}


def _records(epochs: int = 8, layers: dict | None = None) -> list[EpochRecord]:
    layers = LAYERS if layers is None else layers
    return [
        EpochRecord.from_json(
            {
                "epoch": epoch,
                "loss": {"train_epoch": 2.0 / (epoch + 1)},
                "layer_health": {"layers": {name: make(epoch) for name, make in layers.items()}},
            }
        )
        for epoch in range(epochs)
    ]


def _images(out: Path) -> list[str]:
    return sorted(path.name for path in (out / "layer_visualizations").iterdir())


def _html(out: Path) -> str:
    return (out / "monitoring_report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("monitoring")
    return out, write_monitoring(_records(), out, title="crafted run")


def test_the_seeds_files_are_written_with_the_seeds_names(written):
    out, files = written
    for name in SEED_FILES:
        assert (out / name).is_file(), name
    # 8 monitored epochs, 4 drawn per layer: the first, the last and two evenly between.
    assert _images(out) == sorted(
        f"{name}_{cls}_epoch_{epoch:04d}.png"
        for name, cls in (("wide", "Oracle"), ("plain", "Wanderer"), ("dead", "Archivist"))
        for epoch in (0, 2, 5, 7)
    )
    assert files.written[0] == "training_summary.json"
    assert files.written[-1] == "monitoring_report.html"
    assert set(files.written) == {
        str(path.relative_to(out)) for path in out.rglob("*") if path.is_file()
    }
    assert Image.open(out / "distribution_evolution.gif").n_frames == 8
    assert Image.open(out / "layer_visualizations/wide_Oracle_epoch_0007.png").size[0] > 600


def test_the_summary_file_round_trips(written):
    out, files = written
    read = MonitoringSummary.from_json((out / "training_summary.json").read_bytes())
    assert read == files.summary
    assert {layer.name: layer.summary_class for layer in read.layers} == {
        "wide": "Oracle",
        "plain": "Wanderer",
        "dead": "Archivist",
    }
    assert [(a.type, a.layer) for a in read.anomalies] == [("convergence_issue", "dead")]


def test_the_report_has_every_table_and_only_inline_images(written):
    out, files = written
    page = _html(out)
    assert "<title>crafted run</title>" in page
    for test_id in ("overview", "layer-table", "class-strip", "anomalies", "rules"):
        assert f'data-testid="{test_id}"' in page, test_id
    assert "never learned" in page and "silence, not stored patterns" in page
    assert "entropy &gt; 0.8 and fracture_density &gt; 0.7" in page  # the Oracle rule
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert len(sources) == 12 + 3  # the layer images, the strip, the metrics and the GIF
    assert all(
        src.startswith(("data:image/png;base64,", "data:image/gif;base64,")) for src in sources
    )
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page and "<link" not in page
    assert files.notes == [
        f"3 layer(s) were monitored at more than {MAX_LAYER_IMAGES} epochs: each has "
        f"visualizations at {MAX_LAYER_IMAGES} of them (first, last and evenly between)"
    ]
    assert files.notes[0] in page


def test_without_images_only_the_summary_and_the_report_are_written(written, tmp_path):
    out, _ = written
    files = write_monitoring(_records(), tmp_path, draw=False)
    assert files.written == ["training_summary.json", "monitoring_report.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files.written)
    page = _html(tmp_path)
    assert "<img" not in page
    for test_id in ("layer-table", "class-strip", "anomalies", "rules"):
        assert f'data-testid="{test_id}"' in page, test_id
    # Drawn again without images, a folder keeps no picture of the earlier call.
    files = write_monitoring(_records(), out, draw=False)
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == sorted(files.written)
    assert _images(out) == []


def test_a_long_run_is_capped_at_four_images_per_layer_and_says_so(tmp_path):
    files = write_monitoring(_records(epochs=30), tmp_path, every=1)
    assert files.summary.monitored_epochs == list(range(30))
    images = _images(tmp_path)
    for name in LAYERS:
        drawn = [image for image in images if image.startswith(f"{name}_")]
        assert len(drawn) == MAX_LAYER_IMAGES
        assert drawn[0].endswith("_epoch_0000.png") and drawn[-1].endswith("_epoch_0029.png")
    assert any("at more than 4 epochs" in note for note in files.notes)
    assert "at more than 4 epochs" in _html(tmp_path)


def test_a_big_model_draws_sixteen_layers_flagged_ones_first(tmp_path):
    layers = {f"plain_{i:02d}": _plain for i in range(MAX_LAYERS_DRAWN + 2)} | {"dead": _dead}
    files = write_monitoring(_records(epochs=1, layers=layers), tmp_path)
    drawn = {image.rsplit("_", 3)[0] for image in _images(tmp_path)}
    assert len(drawn) == MAX_LAYERS_DRAWN and "dead" in drawn  # the last layer, flagged
    assert files.notes[0].startswith("layer visualizations and distributions for 16 of 19")


def test_a_hostile_layer_name_is_escaped_and_kept_out_of_file_names(tmp_path):
    hostile = '<script>alert("x")</script>'
    layers = {hostile: _wide, "a b": _plain, "a_b": _plain, "../up": _dead}
    files = write_monitoring(_records(epochs=2, layers=layers), tmp_path)
    page = _html(tmp_path)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    images = _images(tmp_path)
    assert "_script_alert__x____script__Oracle_epoch_0000.png" in images
    # Two names that become the same file name are told apart; nothing climbs out.
    assert "a_b_Wanderer_epoch_0000.png" in images and "a_b_2_Wanderer_epoch_0000.png" in images
    assert "_up_Archivist_epoch_0000.png" in images
    assert all(Path(name).parent == Path(".") for name in images)
    assert len(files.written) == 2 + 4 * 2 + 3


def test_a_figure_that_fails_is_noted_and_the_rest_are_drawn(tmp_path):
    (tmp_path / "metrics_evolution.png").mkdir()  # a folder where the image must go
    files = write_monitoring(_records(epochs=3), tmp_path)
    assert "metrics_evolution.png" not in files.written
    [note] = [note for note in files.notes if "metrics_evolution.png" in note]
    assert note.startswith(
        "the metrics evolution (metrics_evolution.png) was not drawn: IsADirectoryError"
    )
    for name in ("layer_classifications.png", "distribution_evolution.gif"):
        assert name in files.written
    page = _html(tmp_path)
    assert "the metrics evolution (metrics_evolution.png) was not drawn" in page
    assert json.loads((tmp_path / "training_summary.json").read_text())["layers"]


def test_records_without_histograms_still_get_a_report(tmp_path):
    bare = {
        name: (
            lambda epoch, make=make: {k: v for k, v in make(epoch).items() if "histogram" not in k}
        )
        for name, make in LAYERS.items()
    }
    files = write_monitoring(_records(epochs=2, layers=bare), tmp_path)
    assert any(
        note.startswith("the distribution animation") and "no activation histogram" in note
        for note in files.notes
    )
    assert "wide_Oracle_epoch_0000.png" in _images(tmp_path)  # drawn, saying so inside


def test_no_records_give_a_report_that_says_so(tmp_path):
    files = write_monitoring([], tmp_path)
    assert files.written == ["training_summary.json", "monitoring_report.html"]
    assert "no epoch records: nothing to monitor" in _html(tmp_path)
    assert "no monitored layer: no figures drawn" in files.notes
