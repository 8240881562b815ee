"""`healthopt analyze`: --only turns on exactly the analyses it names, and a run with
--output-dir leaves the JSON and the figures the analyzer's results name."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from healthopt.analysis.config import ANALYSES
from healthopt.cli.analyze import add_parser, build_config, run


@pytest.mark.parametrize("chosen", ANALYSES)
def test_only_turns_on_exactly_the_named_analysis(chosen: str):
    config = build_config({chosen}, samples=64, save_plots=False)
    enabled = {name for name in ANALYSES if getattr(config, f"analyze_{name}")}
    assert enabled == {chosen}


def test_every_analysis_together():
    config = build_config(set(ANALYSES), samples=64, save_plots=True)
    assert all(getattr(config, f"analyze_{name}") for name in ANALYSES)
    assert (config.n_samples, config.save_plots, config.verbose) == (64, True, False)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="healthopt")
    add_parser(main.add_subparsers(dest="command"))
    return main


def test_unknown_analysis_exits_2_naming_it(capsys, tmp_path: Path):
    main = parser()
    args = main.parse_args(["analyze", str(tmp_path / "m.keras"), "--only", "spectra"])
    with pytest.raises(SystemExit) as exit_info:
        run(args, main)
    assert exit_info.value.code == 2
    assert "unknown analysis spectra" in capsys.readouterr().err


def test_output_dir_gets_the_json_and_figures(tmp_path: Path, capsys):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((20,)), keras.layers.Dense(32, name="hidden"), keras.layers.Dense(3)]
    )
    path = tmp_path / "mlp.keras"
    model.save(path)
    out = tmp_path / "out"
    main = parser()
    args = main.parse_args(
        ["analyze", str(path), "--only", "weights,spectral", "--output-dir", str(out), "--json"]
    )
    assert run(args, main) == 0
    printed = json.loads(capsys.readouterr().out)
    written = json.loads((out / "analysis_results.json").read_text())
    assert printed == written
    assert "summary_dashboard" in written["figures"]
    for name in written["figures"].values():
        assert (out / name).is_file()
