"""`healthopt optimize`: flags map onto OptimizationConfig, bad ones exit 2 with one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from healthopt.cli import build_parser, config_from_args


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "healthopt.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--trials", "-2"], "trials must be an integer in [1, 100000] (got -2)"),
        (["--dataset", "mnits"], "unknown dataset 'mnits'"),
        (["--epochs", "three"], "argument --epochs: invalid int value: 'three'"),
        (["--workers", "0"], "concurrent_workers must be an integer"),
        (["--run-name", "a/b"], "run_name must be"),
        (["--colour", "red"], "unrecognized arguments: --colour"),
        (["--sampler", "bayes"], "argument --sampler: invalid choice: 'bayes'"),
        (["--pruner", "asha"], "argument --pruner: invalid choice: 'asha'"),
        (["--chance-patience", "0"], "chance_patience_epochs must be an integer in [1, 10000]"),
        (["--accuracy-weight", "0.6"], "apply only with --mode health-aware"),
        (
            ["--mode", "health-aware", "--accuracy-weight", "1.5"],
            "accuracy_weight must be a number in [0.0, 1.0] (got 1.5)",
        ),
        (
            ["--mode", "health-aware", "--health-weights", "gradient_health=0.5"],
            "sum of health_components must be 1",
        ),
        (
            [
                "--mode",
                "health-aware",
                "--health-weights",
                "gradient_health=-1,neuron_utilization=2",
            ],
            "health_components.gradient_health must be a number",
        ),
        (
            ["--mode", "health-aware", "--health-weights", "vibes=1"],
            "health_components must be keys from",
        ),
        (
            ["--mode", "health-aware", "--health-weights", "gradient_health"],
            "'gradient_health' is not NAME=NUMBER",
        ),
    ],
)
def test_bad_flags_exit_2_with_one_line(args, reason):
    completed = _run_cli("optimize", *args)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0]


def test_help_documents_every_flag():
    completed = _run_cli("optimize", "--help")
    assert completed.returncode == 0
    for flag in (
        "--dataset",
        "--trials",
        "--epochs",
        "--mode",
        "--seed",
        "--split-seed",
        "--workers",
        "--output-dir",
        "--run-name",
        "--storage",
        "--timeout",
        "--accuracy-weight",
        "--health-weights",
        "--sampler",
        "--pruner",
        "--no-health-pruning",
        "--chance-patience",
    ):
        assert flag in completed.stdout
    assert "(default: digits)" in completed.stdout


def test_flags_map_onto_config_and_defaults_come_from_it():
    args = build_parser().parse_args(
        ["optimize", "--trials", "5", "--epochs", "3", "--workers", "2", "--run-name", "r"]
    )
    config = config_from_args(args)
    assert (
        config.trials,
        config.max_epochs_per_trial,
        config.concurrent_workers,
        config.run_name,
    ) == (5, 3, 2, "r")
    assert config.dataset_name == "digits" and config.mode == "simple"


def test_search_flags_map_onto_config():
    defaults = config_from_args(build_parser().parse_args(["optimize"]))
    assert (defaults.sampler, defaults.pruner, defaults.health_pruning) == ("tpe", "auto", True)
    assert defaults.chance_patience_epochs == 3
    args = build_parser().parse_args(
        [
            "optimize",
            "--sampler",
            "cmaes",
            "--pruner",
            "successive-halving",
            "--no-health-pruning",
            "--chance-patience",
            "5",
        ]
    )
    config = config_from_args(args)
    assert (config.sampler, config.pruner, config.health_pruning) == (
        "cmaes",
        "successive-halving",
        False,
    )
    assert config.chance_patience_epochs == 5


def test_health_aware_weights_map_onto_scoring_weights():
    args = build_parser().parse_args(
        [
            "optimize",
            "--mode",
            "health-aware",
            "--accuracy-weight",
            "0.6",
            "--health-weights",
            "neuron_utilization=0.3,gradient_health=0.3,convergence_quality=0.4",
        ]
    )
    weights = config_from_args(args).scoring_weights
    assert weights.accuracy_weight == 0.6 and weights.health_weight == pytest.approx(0.4)
    assert weights.health_components == {
        "neuron_utilization": 0.3,
        "gradient_health": 0.3,
        "convergence_quality": 0.4,
    }


def test_health_aware_mode_defaults_to_70_30_with_seed_proportions():
    config = config_from_args(build_parser().parse_args(["optimize", "--mode", "health-aware"]))
    assert (config.scoring_weights.accuracy_weight, config.scoring_weights.health_weight) == (
        0.7,
        pytest.approx(0.3),
    )
    assert config.scoring_weights.health_components["neuron_utilization"] == 0.25


def test_runpod_and_study_flags_map_onto_config():
    args = build_parser().parse_args(
        [
            "optimize",
            "--runpod",
            "--require-runpod",
            "--gpus-per-worker",
            "2",
            "--trial-timeout",
            "120",
            "--study",
            "s1",
        ]
    )
    config = config_from_args(args)
    assert (
        config.use_runpod_service,
        config.require_runpod,
        config.target_gpus_per_worker,
        config.trial_timeout_seconds,
        config.run_name,
    ) == (True, True, 2, 120.0, "s1")
    assert config.trial_budget_seconds == 120.0
    plain = config_from_args(build_parser().parse_args(["optimize"]))
    assert (plain.use_runpod_service, plain.require_runpod, plain.target_gpus_per_worker) == (
        False,
        False,
        1,
    )


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--gpus-per-worker", "9"], "target_gpus_per_worker must be an integer in [1, 8]"),
        (["--trial-timeout", "0"], "trial_timeout_seconds must be a number in [1.0, 86400.0]"),
        (["--study", "a/b"], "run_name must be"),
    ],
)
def test_bad_runpod_and_study_flags_exit_2_with_one_line(args, reason):
    completed = _run_cli("optimize", *args)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0]


def test_own_model_tracker_and_data_flags_map_onto_config(tmp_path):
    table = tmp_path / "flowers.csv"
    table.write_text("petal,colour,species\n" + "1.0,red,a\n2.0,blue,b\n" * 6)
    images = tmp_path / "images"
    (images / "cats").mkdir(parents=True)
    (images / "dogs").mkdir()
    args = build_parser().parse_args(
        ["optimize", "--dataset", f"csv:{table}", "--label", "species",
         "--model", "mypkg.models:build", "--mlflow-uri", "sqlite:///mlflow.db"]
    )  # fmt: skip
    config = config_from_args(args)
    assert config.dataset_name == f"csv:{table}?label=species"
    assert (config.model, config.mlflow_uri) == ("mypkg.models:build", "sqlite:///mlflow.db")
    folder = config_from_args(
        build_parser().parse_args(
            [
                "optimize",
                "--dataset",
                f"folder:{images}",
                "--image-size",
                "16x24",
                "--color-mode",
                "grayscale",
            ]
        )  # fmt: skip
    )
    assert folder.dataset_name == f"folder:{images}?size=16x24&color=grayscale"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--label", "y"], "label apply only to csv:PATH and folder:PATH datasets"),
        (["--dataset", "digits", "--image-size", "big"], "--image-size must be HxW"),
        (["--model", "mypkg.models.build"], "model: a model entry point is 'module:function'"),
        (["--mlflow-uri", "http://me:pw@mlflow"], "mlflow_uri must be a URI without a password"),
    ],
)
def test_bad_own_model_and_data_flags_exit_2_with_the_reason(args, reason):
    done = _run_cli("optimize", *args)
    assert done.returncode == 2 and reason in done.stderr, done.stderr
    assert "pw" not in done.stderr
