"""ModelAnalyzer on tiny Keras models: what runs, what is skipped and why, caching, the JSON.

Models are built here (a small MLP, a small CNN, a two-input functional model) and never
trained: every analysis works on initial weights, and histories are crafted.
"""

from __future__ import annotations

import ast
import json
import logging
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from healthopt.analysis import layers
from healthopt.analysis.analyzer import (
    AnalysisConfig,
    AnalyzerInputError,
    DataInput,
    ModelAnalyzer,
    summarize_for_trial,
)
from healthopt.analysis.results import RESULTS_FILE, ModelInfo

QUIET = {"save_plots": False, "verbose": False}
HISTORY = {
    "loss": [1.0, 0.7, 0.5, 0.4, 0.35, 0.3],
    "val_loss": [1.1, 0.8, 0.7, 0.72, 0.75, 0.8],
    "accuracy": [0.5, 0.7, 0.8, 0.85, 0.88, 0.9],
    "val_accuracy": [0.45, 0.65, 0.7, 0.72, 0.71, 0.7],
}


def mlp(seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((20,)),
            keras.layers.Dense(32, activation="relu", name="hidden"),
            keras.layers.Dense(16, activation="relu", name="hidden_2"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )


def cnn(seed: int = 1) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(8, 3, activation="relu", name="conv"),
            keras.layers.Conv2D(16, 3, activation="relu", name="conv_2"),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )


def two_input() -> keras.Model:
    keras.utils.set_random_seed(2)
    a, b = keras.Input((20,), name="a"), keras.Input((6,), name="b")
    merged = keras.layers.Concatenate()([keras.layers.Dense(16, name="branch")(a), b])
    out = keras.layers.Dense(3, activation="softmax", name="out")(merged)
    return keras.Model([a, b], out)


@pytest.fixture(scope="module")
def models() -> dict[str, keras.Model]:
    return {"mlp": mlp(), "cnn": cnn()}


def vectors(n: int = 300, seed: int = 0) -> DataInput:
    rng = np.random.default_rng(seed)
    return DataInput(rng.normal(size=(n, 20)).astype(np.float32), rng.integers(0, 3, size=n))


def images(n: int = 300, seed: int = 0) -> DataInput:
    rng = np.random.default_rng(seed)
    return DataInput(rng.random((n, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, size=n))


def test_full_run_fills_every_section_and_writes_the_json(models, tmp_path: Path) -> None:
    analyzer = ModelAnalyzer(
        {"mlp": models["mlp"]},
        training_history={"mlp": HISTORY},
        config=AnalysisConfig(n_samples=200, spectral_randomize=True, **QUIET),
    )
    results = analyzer.analyze(vectors())
    results.write_json(tmp_path)
    assert results.skipped == {"mlp": {}}
    assert [s.name for s in results.weights["mlp"]] == ["hidden", "hidden_2", "out"]
    assert [s.name for s in results.spectral["mlp"]] == ["hidden", "hidden_2"]  # out: 3 evals
    randomized = results.spectral_randomized["mlp"]
    assert [r.name for r in randomized] == ["hidden", "hidden_2"]
    assert [r.num_evals for r in randomized] == [s.num_evals for s in results.spectral["mlp"]]
    assert results.calibration["mlp"].num_samples == 200 == results.num_samples
    assert [f.name for f in results.information_flow["mlp"]] == ["hidden", "hidden_2", "out"]
    assert results.training_dynamics["mlp"].peak_val_accuracy == pytest.approx(0.72)
    assert results.model_info["mlp"] == ModelInfo(parameters=1251, layers=3, inputs=1)
    written = json.loads((tmp_path / RESULTS_FILE).read_text())
    assert written["spectral_recommendations"]["mlp"] == list(
        results.spectral_summary["mlp"].recommendations
    )
    assert set(written["timings"]["mlp"]) == {
        "weights",
        "spectral",
        "spectral_randomized",
        "calibration",
        "information_flow",
        "training_dynamics",
    }


def test_without_data_the_data_analyses_are_skipped_with_a_reason(models) -> None:
    results = ModelAnalyzer(models, config=AnalysisConfig(**QUIET)).analyze()
    for name in ("mlp", "cnn"):
        assert set(results.skipped[name]) == {
            "calibration",
            "information_flow",
            "training_dynamics",
        }
        assert "no data given" in results.skipped[name]["calibration"]
        assert results.skipped[name]["training_dynamics"] == "no training history for this model"
        assert results.spectral[name] and results.weights[name]
    assert results.num_samples is None and not results.calibration


def test_multi_input_model_skips_data_analyses_and_warns(caplog) -> None:
    rng = np.random.default_rng(0)
    data = DataInput([rng.normal(size=(50, 20)), rng.normal(size=(50, 6))], np.zeros(50, int))
    analyzer = ModelAnalyzer({"two": two_input()}, config=AnalysisConfig(**QUIET))
    with caplog.at_level(logging.WARNING, logger="healthopt.analysis.analyzer"):
        results = analyzer.analyze(data)
    reason = results.skipped["two"]["calibration"]
    assert "2 inputs" in reason and results.skipped["two"]["information_flow"] == reason
    assert "two: calibration skipped" in caplog.text
    assert [s.name for s in results.spectral["two"]] == ["branch"]
    assert results.model_info["two"].inputs == 2


def test_second_analyze_recomputes_nothing_and_weight_changes_are_seen(monkeypatch) -> None:
    calls = {"weight_records": 0, "predict_proba": 0, "layer_outputs": 0}
    for name in calls:
        original = getattr(layers, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(layers, name, counted)
    model = mlp(seed=3)
    analyzer = ModelAnalyzer({"m": model}, {"m": HISTORY}, AnalysisConfig(**QUIET))
    data = vectors(120)
    first = analyzer.analyze(data)
    assert calls == {"weight_records": 1, "predict_proba": 1, "layer_outputs": 1}
    computed = dict(analyzer.computed)
    second = analyzer.analyze(DataInput(data.x_data.copy(), data.y_data.copy()))
    assert calls == {"weight_records": 1, "predict_proba": 1, "layer_outputs": 1}
    assert dict(analyzer.computed) == computed
    assert second.calibration["m"].ece == first.calibration["m"].ece
    # New data: only the data analyses run again.
    analyzer.analyze(vectors(120, seed=9))
    assert calls == {"weight_records": 1, "predict_proba": 2, "layer_outputs": 2}
    # New weights: everything that reads weights runs again.
    kernel = model.get_layer("hidden").kernel
    kernel.assign(kernel.numpy() * 2.0)
    third = analyzer.analyze(vectors(120, seed=9))
    assert calls == {"weight_records": 2, "predict_proba": 3, "layer_outputs": 3}
    assert third.weights["m"][0].l2_norm == pytest.approx(2 * first.weights["m"][0].l2_norm)
    assert analyzer.computed["training_dynamics"] == 1  # the history never changed


def test_history_keys_must_match_model_names(models) -> None:
    with pytest.raises(AnalyzerInputError, match="no model named 'mpl'"):
        ModelAnalyzer(models, training_history={"mpl": HISTORY})


def test_bad_inputs_are_refused_with_what_is_wrong(models) -> None:
    analyzer = ModelAnalyzer({"mlp": models["mlp"]}, config=AnalysisConfig(**QUIET))
    with pytest.raises(AnalyzerInputError, match="x_data has 10 samples but y_data has shape"):
        analyzer.analyze(DataInput(np.zeros((10, 20)), np.zeros(9, int)))
    with pytest.raises(AnalyzerInputError, match=r"'mlp' expects samples of shape \(20,\)"):
        analyzer.analyze(DataInput(np.zeros((10, 21)), np.zeros(10, int)))
    with pytest.raises(AnalyzerInputError, match="non-empty dict"):
        ModelAnalyzer({})
    with pytest.raises(AnalyzerInputError, match=r"models\['x'\] is not a Keras model"):
        ModelAnalyzer({"x": object()})


def test_histories_without_metrics_or_with_gaps() -> None:
    histories = {"a": {"lr": [0.1, 0.1]}, "b": {"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]}}
    config = AnalysisConfig(analyze_weights=False, analyze_spectral=False, **QUIET)
    results = ModelAnalyzer({"a": mlp(), "b": mlp()}, histories, config).analyze()
    assert "no loss or accuracy metric (keys: lr)" in results.skipped["a"]["training_dynamics"]
    assert "training_dynamics" not in results.skipped["b"]
    assert results.training_dynamics["b"].missing == ["accuracy", "val_accuracy"]
    assert results.curves("b").val_accuracy is None


def test_labels_that_do_not_fit_the_outputs_skip_calibration_only(models) -> None:
    data = DataInput(vectors(60).x_data, np.full(60, 7))  # class 7 of a 3-class model
    config = AnalysisConfig(**QUIET)
    results = ModelAnalyzer({"mlp": models["mlp"]}, None, config).analyze(data)
    assert "labels do not fit the model's outputs" in results.skipped["mlp"]["calibration"]
    assert results.information_flow["mlp"]


def test_a_failing_analysis_is_recorded_and_the_others_still_run(models, monkeypatch) -> None:
    from healthopt.analysis import information_flow

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(information_flow, "analyze_flow", broken)
    config = AnalysisConfig(**QUIET)
    results = ModelAnalyzer({"mlp": models["mlp"]}, None, config).analyze(vectors(50))
    assert results.skipped["mlp"] == {
        "information_flow": "failed: RuntimeError: boom",
        "training_dynamics": "no training history for this model",
    }
    assert results.calibration["mlp"].num_samples == 50


def test_json_size_options(models, tmp_path: Path) -> None:
    def written(**options) -> tuple[int, dict]:
        out = tmp_path / str(len(options))
        config = AnalysisConfig(**QUIET, **options)
        ModelAnalyzer(models, None, config).analyze(images(250)).write_json(out)
        text = (out / RESULTS_FILE).read_text()
        return len(text), json.loads(text)

    models = {"cnn": models["cnn"]}
    small_size, small = written()
    big_size, big = written(json_include_per_sample_data=True, json_include_raw_esds=True)
    assert small_size < 40_000
    assert big_size > small_size + 250 * 2 * 5  # two floats per sample at least
    assert "confidences" not in small["calibration"]["cnn"]
    assert len(big["calibration"]["cnn"]["confidences"]) == 250
    assert all(len(layer["evals"]) == layer["num_evals"] for layer in big["spectral"]["cnn"])


def test_sampling_is_seeded_and_stratified(models) -> None:
    y = np.repeat([0, 1, 2], [200, 60, 40])
    data = DataInput(np.random.default_rng(0).normal(size=(300, 20)), y)
    config = AnalysisConfig(n_samples=50, analyze_information_flow=False, **QUIET)
    results = ModelAnalyzer({"mlp": models["mlp"]}, None, config).analyze(data)
    assert results.num_samples == 50
    again = ModelAnalyzer({"mlp": models["mlp"]}, None, config).analyze(data)
    assert again.calibration["mlp"].ece == results.calibration["mlp"].ece


def test_pareto_front_over_peak_accuracy_and_overfitting() -> None:
    def history(peak: float, gap: float) -> dict[str, list[float]]:
        return {
            "loss": [1.0, 0.5, 0.4],
            "val_loss": [1.0, 0.5 + gap, 0.4 + gap],
            "accuracy": [0.5, 0.8, 0.9],
            "val_accuracy": [0.5, peak, peak - 0.01],
        }

    histories = {"a": history(0.9, 0.3), "b": history(0.8, 0.1), "c": history(0.7, 0.2)}
    config = AnalysisConfig(analyze_spectral=False, dpi=60, verbose=False)
    names = {name: mlp() for name in ("a", "b", "c", "d")}
    analyzer = ModelAnalyzer(names, histories, config)
    with pytest.raises(RuntimeError, match="call analyze"):
        analyzer.create_pareto_analysis()
    analyzer.analyze()
    pareto = analyzer.create_pareto_analysis()
    assert pareto.front == ["a", "b"]  # c: lower accuracy and more overfitting than b
    assert [p.dominated_by for p in pareto.points if p.name == "c"] == [["b"]]
    assert "training_dynamics: no training history" in pareto.excluded["d"]
    assert pareto.reason is None and pareto.figure is None  # drawing is the caller's part
    assert analyzer.results is not None and analyzer.results.pareto == pareto
    with pytest.raises(AnalyzerInputError, match="unknown Pareto metric"):
        analyzer.create_pareto_analysis({"speed": "max"})


def test_pareto_needs_enough_models_with_the_objectives() -> None:
    config = AnalysisConfig(analyze_spectral=False, analyze_weights=False, **QUIET)
    analyzer = ModelAnalyzer({"a": mlp(), "b": mlp()}, {"a": HISTORY}, config)
    analyzer.analyze()
    pareto = analyzer.create_pareto_analysis()
    assert pareto.reason == "needs 2 models with peak_val_accuracy, overfitting_index; 1 have them"
    assert pareto.figure is None


def test_create_smoothed_model_returns_a_new_model(models) -> None:
    analyzer = ModelAnalyzer({"mlp": models["mlp"]}, config=AnalysisConfig(**QUIET))
    before = models["mlp"].get_layer("hidden").kernel.numpy().copy()
    smoothed = analyzer.create_smoothed_model("mlp", "svd")
    assert smoothed is not models["mlp"]
    np.testing.assert_array_equal(models["mlp"].get_layer("hidden").kernel.numpy(), before)
    assert not np.allclose(smoothed.get_layer("hidden").kernel.numpy(), before)
    with pytest.raises(KeyError, match="no model named 'x'"):
        analyzer.create_smoothed_model("x")
    with pytest.raises(AnalyzerInputError, match="method must be one of svd, detX, lambda_min"):
        analyzer.create_smoothed_model("mlp", "pca")


def test_summary_for_a_trial_holds_the_headline_numbers(models) -> None:
    config = AnalysisConfig(**QUIET)
    results = ModelAnalyzer({"cnn": models["cnn"]}, None, config).analyze(images(120))
    summary = summarize_for_trial(results, "cnn")
    json.dumps(summary.to_json(), allow_nan=False)
    assert summary.mean_alpha == pytest.approx(results.spectral_summary["cnn"].mean_alpha)
    assert summary.ece == pytest.approx(results.calibration["cnn"].ece)
    assert summary.parameters == results.model_info["cnn"].parameters
    flows = results.information_flow["cnn"]
    assert summary.mean_effective_rank == pytest.approx(np.mean([f.effective_rank for f in flows]))
    assert summary.skipped == {"training_dynamics": "no training history for this model"}
    assert summary.peak_val_accuracy is None and summary.errors == {}


def test_analysis_never_imports_plots() -> None:
    """The analyzer computes; its callers draw (`plots.analyzer.report`)."""
    package = Path(layers.__file__).parent
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text())
        imported = [
            node.module or "" if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
        ]
        assert not [m for m in imported if m.startswith("healthopt.plots")], path


def test_importing_the_analyzer_does_not_import_tensorflow() -> None:
    code = "import sys, healthopt.analysis.analyzer; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
