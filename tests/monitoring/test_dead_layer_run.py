"""Layer monitoring end to end on a digits trial with a layer made dead on purpose.

`user_hypermodels:build_with_dead_layer` gives `dead` a bias of -50: its ReLU units are zero
for every input, so no gradient reaches it or the layers before it (`hidden`, `conv`), while
the `side` branch learns. The monitoring report must say so: `dead` is classed Archivist by
the seed's rules (entropy 0 < 0.3, weights unchanged so resilience 1 > 0.8), and flagged as
a convergence issue whose recommendation says its low entropy is silence, not storage.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from healthopt.cli import main
from healthopt.config import OptimizationConfig
from healthopt.optimize import ModelOptimizer
from healthopt.optimize.assembly import OPTIMIZED_DIR, trial_dir
from healthopt.records.monitoring import MonitoringSummary

USER_MODELS = Path(__file__).resolve().parents[1] / "hypermodel"
EPOCHS = 6
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One trial of the dead-layer CNN, plots in `best` mode: the worker writes the summary,
    the orchestrator draws the best trial's images, assembly copies them."""
    output = tmp_path_factory.mktemp("monitoring")
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(USER_MODELS))
        patch.setenv(
            "PYTHONPATH", os.pathsep.join([str(USER_MODELS), os.environ.get("PYTHONPATH", "")])
        )
        config = OptimizationConfig(
            dataset_name="digits", trials=1, max_epochs_per_trial=EPOCHS, seed=0,
            run_name="dead", output_dir=str(output), plot_generation="best",
            health_pruning=False, pruner="none", model="user_hypermodels:build_with_dead_layer",
        )  # fmt: skip
        ModelOptimizer(config).optimize_model()
    return output / "dead"


def _summary(folder: Path) -> MonitoringSummary:
    return MonitoringSummary.from_json((folder / "training_summary.json").read_bytes())


def test_the_dead_layer_is_classed_archivist_and_flagged_as_not_learning(run_dir):
    summary = _summary(trial_dir(run_dir, 0) / "monitoring")
    assert summary.monitor_every == 1 and summary.monitored_epochs == list(range(EPOCHS))
    assert [layer.name for layer in summary.layers] == ["conv", "hidden", "dead", "side", "out"]
    dead = summary.layer("dead")
    assert dead is not None and dead.summary_class == "Archivist" and dead.summary_share == 1.0
    last = dead.epochs[-1]
    assert last.rule == "entropy < 0.3 and resilience > 0.8"
    assert last.metrics.luminosity == 0.0 and last.metrics.entropy == 0.0
    assert last.metrics.sparsity == 1.0 and last.metrics.resilience == 1.0
    flagged = {a.layer for a in summary.anomalies if a.type == "convergence_issue"}
    # The layers upstream of it get no gradient either; the side branch and output learn.
    assert flagged == {"conv", "hidden", "dead"}
    assert "silence, not stored patterns" in dead.recommendation
    assert summary.layer("side").summary_class is not None
    assert not summary.anomalies_of("side") and not summary.anomalies_of("out")


def test_the_dead_layer_reaches_the_diagnostics_report_once(run_dir):
    """The engine already names a dead layer (`dead_neurons`) and the layers it starves
    (`vanishing_gradients`); the layer-monitoring family ran and did not count them twice."""
    report = json.loads((trial_dir(run_dir, 0) / "diagnostics.json").read_text())
    pairs = {(issue["check"], issue["layer_id"]) for issue in report["issues"]}
    assert ("dead_neurons", "dead") in pairs
    assert {("vanishing_gradients", "conv"), ("vanishing_gradients", "hidden")} <= pairs
    assert not [issue for issue in report["issues"] if issue["check"].startswith("layer_")]
    family = {"layer_metric_spike", "layer_class_instability", "layer_not_converging"}
    assert not family & {skipped["check"] for skipped in report["checks_skipped"]}


def test_the_best_trials_report_is_drawn_and_assembled(run_dir):
    for folder in (trial_dir(run_dir, 0) / "monitoring", run_dir / OPTIMIZED_DIR / "monitoring"):
        for name in (
            "training_summary.json",
            "metrics_evolution.png",
            "layer_classifications.png",
            "distribution_evolution.gif",
            "monitoring_report.html",
        ):
            assert (folder / name).is_file(), folder / name
        pictures = sorted(p.name for p in (folder / "layer_visualizations").iterdir())
        assert "dead_Archivist_epoch_0000.png" in pictures
        html = (folder / "monitoring_report.html").read_text()
        assert "never learned" in html and "Archivist" in html
    result = json.loads((trial_dir(run_dir, 0) / "result.json").read_text())
    assert result["artifacts"]["monitoring"] == "monitoring/training_summary.json"
    assert result["artifacts"]["monitoring_report"] == "monitoring/monitoring_report.html"
    results = json.loads((run_dir / "results.json").read_text())
    assert results["trials"][0]["timings"]["monitoring_seconds"] > 0


def test_healthopt_monitor_rebuilds_the_report_at_another_frequency(run_dir, capsys):
    folder = trial_dir(run_dir, 0)
    assert main(["monitor", str(folder), "--every", "4", "--json"]) == 0
    printed = MonitoringSummary.from_json(capsys.readouterr().out)
    assert printed.monitor_every == 4 and printed.monitored_epochs == [0, 4, 5]
    assert printed.layer("dead").summary_class == "Archivist"
    assert _summary(folder / "monitoring") == printed
    assert main(["monitor", str(folder), "--no-images"]) == 0
    out = capsys.readouterr().out
    assert "Archivist" in out and "convergence_issue" in out and "monitoring_report.html" in out


def test_healthopt_monitor_refuses_a_folder_it_cannot_read(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["monitor", str(tmp_path)])
    assert exited.value.code == 2
    assert "has no observer.json" in capsys.readouterr().err
    (tmp_path / "observer.json").write_text('[{"epoch": "soon"}]')
    with pytest.raises(SystemExit) as exited:
        main(["monitor", str(tmp_path)])
    assert exited.value.code == 2
    assert "not healthopt epoch records" in capsys.readouterr().err
    # Another tool's list of objects would validate as empty epochs: refused, not "quiet".
    (tmp_path / "observer.json").write_text('[{"acc": 0.9, "val_loss": 0.1}]')
    with pytest.raises(SystemExit) as exited:
        main(["monitor", str(tmp_path)])
    assert exited.value.code == 2
    assert "entry 0 has none of an epoch record's keys" in capsys.readouterr().err
    assert not (tmp_path / "monitoring").exists()  # nothing that looks like a clean report
    with pytest.raises(SystemExit) as exited:
        main(["monitor", str(tmp_path), "--every", "0"])
    assert exited.value.code == 2
