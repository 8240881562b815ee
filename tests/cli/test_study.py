"""`healthopt study`: bad input exits with the reason, and a built study is analysed again."""

from __future__ import annotations

import json

import pytest

from healthopt.cli import main
from healthopt.study.layout import StudyPaths

from ..study.conftest import make_study


@pytest.fixture(scope="module")
def tiny_image_study(tmp_path_factory):
    root = tmp_path_factory.mktemp("image_study")
    return make_study(root, "digits"), StudyPaths.of(root, "tiny")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "nope"], "dataset_name"),
        (["--runs-per-mode", "-1"], "runs_per_mode"),
        (["--modules", "generalisation"], "unknown analysis module"),
        (["--accuracy-weight", "1.0"], "health_weight must be above 0"),
        (["--health-weights", "gradient_health=0.5"], "sum of health_components"),
        (["--analyze-only"], "--analyze-only needs --study-id"),
    ],
)
def test_bad_input_exits_2_with_the_reason(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["study", "--output-dir", str(tmp_path), *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing was started


def test_analyze_only_of_a_missing_study_says_so(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["study", "--analyze-only", "--study-id", "ghost", "--output-dir", str(tmp_path)])
    assert exit_info.value.code == 1
    assert "no study 'ghost'" in capsys.readouterr().err


def test_analyze_only_reanalyses_a_built_study(tiny_image_study, capsys):
    metadata, paths = tiny_image_study
    code = main(
        [
            "study",
            "--analyze-only",
            "--study-id",
            metadata.study_id,
            "--output-dir",
            str(paths.root.parent),
            "--modules",
            "generalization",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Holdout accuracy" in out and "report.pdf" in out
    results = json.loads(paths.results.read_text())
    assert list(results["modules"]) == ["generalization"]
    assert paths.report.read_bytes()[:5] == b"%PDF-"


def test_progress_says_pruned_for_a_pruned_trial_and_failed_only_for_a_failure():
    from rich.console import Console

    from healthopt.cli.study import _Progress

    console = Console(record=True, width=120)
    progress = _Progress(console)
    common = {"kind": "trial_finished", "trials_done": 1, "trials_total": 3}
    progress({**common, "trial_number": 0, "state": "COMPLETE", "total_score": 0.9})
    pruned = {"pruned_by": "pruner", "epoch": 2, "reason": "behind"}
    progress({**common, "trial_number": 1, "state": "PRUNED", "pruned": pruned})
    progress({**common, "trial_number": 2, "state": "FAIL", "error": "NaN"})
    lines = console.export_text().splitlines()
    assert lines == [
        "  trial 0: score 0.9000 (1/3)",
        "  trial 1: pruned at epoch 2 (1/3)",
        "  trial 2: failed (1/3)",
    ]
