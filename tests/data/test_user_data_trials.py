"""A whole trial on each kind of your own data: npz: tabular, folder: images and csv: tables."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from healthopt.config import ModelConfig
from healthopt.trial import COMPLETE, TrialResult, TrialSpec, run_trial

pytestmark = pytest.mark.slow


def _tabular_npz(root: Path) -> str:
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 30)
    x = (rng.normal(scale=2.0, size=(len(y), 6)) + 3.0 * y[:, None]).astype(np.float32)
    np.savez(root / "table.npz", x=x, y=y)
    return f"npz:{root / 'table.npz'}"


def _folder(root: Path) -> str:
    for label, colour in enumerate([(220, 30, 30), (30, 30, 220)]):
        (root / "pets" / f"class_{label}").mkdir(parents=True)
        for i in range(12):
            Image.new("RGB", (9, 9), tuple(c + 2 * i for c in colour)).save(
                root / "pets" / f"class_{label}" / f"{i}.png"
            )
    return f"folder:{root / 'pets'}?size=8x8"


def _csv(root: Path) -> str:
    lines = ["size,colour,kind"]
    lines += [
        f"{i % 7 + 10 * (i % 2)},{['red', 'blue'][i % 2]},{['a', 'b'][i % 2]}" for i in range(40)
    ]
    (root / "table.csv").write_text("\n".join(lines) + "\n")
    return f"csv:{root / 'table.csv'}?label=kind"


def _run(tmp_path: Path, dataset: str, config: ModelConfig) -> TrialResult:
    spec = TrialSpec.create(
        run_name="user_data",
        trial_number=0,
        dataset_name=dataset,
        split_seed=0,
        seed=0,
        epochs=2,
        model_config=config.to_dict(),
        params={},
        output_dir=str(tmp_path / "trial_0"),
        plots_dir=str(tmp_path / "plots"),
    )
    return run_trial(spec)


def _assert_complete(tmp_path: Path, result: TrialResult) -> None:
    assert result.state == COMPLETE, result.error
    assert result.health is not None
    measured = result.health.measured()
    assert "parameter_efficiency" in measured and all(math.isfinite(v) for v in measured.values())
    missing = set(result.health.by_name()) - set(measured)
    assert missing <= set(result.health_reasons or {}), result.health_reasons
    assert (tmp_path / "trial_0" / "health.json").is_file()
    assert result.diagnostics is not None
    assert (tmp_path / "trial_0" / "diagnostics.json").is_file()
    assert result.analysis is not None and result.analysis.errors == {}, result.analysis.errors
    drawn = json.loads((tmp_path / "plots" / "plots.json").read_text())
    assert drawn["written"] and all(reason for reason in drawn["skipped"].values())


def test_a_trial_on_a_tabular_npz(tmp_path: Path):
    config = ModelConfig(num_layers_hidden=2, batch_normalization=True, batch_size=16)
    result = _run(tmp_path, _tabular_npz(tmp_path), config)
    _assert_complete(tmp_path, result)
    architecture = json.loads((tmp_path / "trial_0" / "architecture.json").read_text())
    assert architecture["total_parameters"] == result.num_parameters


def test_a_trial_on_an_image_folder(tmp_path: Path):
    config = ModelConfig(num_layers_conv=1, filters_per_conv_layer=4, batch_size=8)
    _assert_complete(tmp_path, _run(tmp_path, _folder(tmp_path), config))


def test_a_trial_on_a_csv_table(tmp_path: Path):
    config = ModelConfig(num_layers_hidden=1, first_hidden_layer_nodes=16, batch_size=8)
    _assert_complete(tmp_path, _run(tmp_path, _csv(tmp_path), config))
