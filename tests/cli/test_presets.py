"""`healthopt presets` lists the shipped presets, `--show` prints one's file, and
`healthopt optimize --preset` starts from a preset that flags override, on its narrowed space."""

from __future__ import annotations

import argparse

import pytest

from healthopt.cli import build_parser, config_from_args
from healthopt.cli import presets as presets_cli
from healthopt.cli.common import CliParser
from healthopt.cli.optimize import _preset_space
from healthopt.config import OptimizationConfig
from healthopt.optimize.optimizer import ModelOptimizer
from healthopt.presets import PresetError, load_preset

from ..optimize.scripted import ScriptedExecutor, complete


def _presets(*argv: str) -> int:
    """`healthopt presets ARGV` on a parser built here (the lead registers the subcommand)."""
    parser = CliParser(prog="healthopt")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CliParser)
    presets_cli.add_parser(commands)
    args = parser.parse_args(["presets", *argv])
    return presets_cli.run(args, parser)


def test_presets_lists_each_with_its_description_and_what_it_sets(capsys):
    assert _presets() == 0
    out = capsys.readouterr().out
    for name in ("fast-debug", "baseline", "deep-regularized"):
        assert f"{name}: {load_preset(name).description}" in out
    assert "trials=4, max_epochs_per_trial=2" in out and "optimizer=adam" in out
    assert "hidden_dropout in [0.3, 0.5]" in out and "the full built-in space" in out


def test_show_prints_the_file_to_copy(capsys):
    assert _presets("--show", "deep-regularized") == 0
    assert capsys.readouterr().out == load_preset("deep-regularized").path.read_text()


def test_show_of_an_unknown_preset_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _presets("--show", "slow")
    assert exit_info.value.code == 2
    assert "unknown preset 'slow'" in capsys.readouterr().err


def _optimize_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["optimize", *argv])


def test_a_preset_sets_the_config_and_flags_override_it():
    config = config_from_args(_optimize_args("--preset", "fast-debug"))
    assert (config.trials, config.max_epochs_per_trial) == (4, 2)
    assert (config.sampler, config.pruner, config.plot_generation) == ("random", "none", "none")
    config = config_from_args(_optimize_args("--preset", "fast-debug", "--trials", "9"))
    assert config.trials == 9 and config.max_epochs_per_trial == 2
    # The preset's mode lets the health-aware flags through.
    config = config_from_args(
        _optimize_args("--preset", "deep-regularized", "--accuracy-weight", "0.6")
    )
    assert config.mode == "health-aware" and config.scoring_weights.accuracy_weight == 0.6


def test_the_optimizer_trains_on_the_presets_narrowed_space(tmp_path):
    args = _optimize_args(
        "--preset", "fast-debug", "--output-dir", str(tmp_path), "--run-name", "narrow"
    )
    config = config_from_args(args)
    selector, notes = _preset_space(args.preset, config)
    assert selector is not None and notes == []
    executor = ScriptedExecutor(lambda spec: complete(0.5))
    try:
        ModelOptimizer(config, executor=executor, selector=selector).optimize_model()
    finally:
        executor.shutdown()
    assert len(executor.specs) == 4
    for spec in executor.specs:
        assert spec.params["optimizer"] == "adam" and spec.params["batch_size"] == 64
        assert spec.params["lr_schedule"] == "constant"
        assert spec.params["num_layers_hidden"] == 1


def test_a_space_that_does_not_fit_names_the_file_and_field(tmp_path):
    path = tmp_path / "wide.toml"
    path.write_text('description = "d"\n[space.ranges]\nhidden_dropout = [0.0, 0.9]\n')
    config = OptimizationConfig(output_dir=str(tmp_path))
    with pytest.raises(PresetError, match=rf"{path}: space.ranges.hidden_dropout: .* outside"):
        _preset_space(str(path), config)


def test_optimize_with_a_bad_preset_exits_2_naming_the_file_and_field(tmp_path):
    from .test_optimize import _run_cli

    path = tmp_path / "bad.toml"
    path.write_text('description = "d"\n[settings]\nepochs = 3\n')
    done = _run_cli("optimize", "--preset", str(path), "--output-dir", str(tmp_path))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{path}: settings.epochs is not an OptimizationConfig" in lines[0]
    done = _run_cli("optimize", "--preset", "fastest", "--output-dir", str(tmp_path))
    assert done.returncode == 2 and "unknown preset 'fastest'" in done.stderr
