"""metadata.json as studies written before typed records left it still loads, resumes in its
own folders, and is written back in the same spelling."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from healthopt.records import Mode, SchemaError
from healthopt.records.study import ExecutiveRow, ExecutiveSummary, StudyDesign
from healthopt.study.config import STUDY_MODES, StudyConfig, arm_mode
from healthopt.study.metadata import RunRecord, StudyMetadata
from healthopt.study.runner import ComparisonStudy


def _old_run(mode: str, index: int, **changes) -> dict:
    """A run record exactly as `dataclasses.asdict(RunRecord)` wrote it before."""
    return {
        "mode": mode,
        "index": index,
        "seed": 1000 * index,
        "run_dir": f"{mode}/run_{index}",
        "kind": "study",
        "component": None,
        "status": "pending",
        "error": None,
        "trials_done": 0,
        "trials_total": 1,
        "best_trial": None,
        "val_accuracy": None,
        "test_accuracy": None,
        "health_score": None,
        "total_score": None,
        "num_parameters": None,
        "params": {},
        "model_path": None,
        **changes,
    }


@pytest.fixture
def old_study(tmp_path: Path) -> Path:
    config = StudyConfig(
        runs_per_mode=1, trials_per_run=1, output_dir=str(tmp_path), study_id="old"
    ).to_dict()
    done = {
        "status": "completed",
        "trials_done": 1,
        "best_trial": 0,
        "val_accuracy": 0.9,
        "test_accuracy": 0.85,
        "health_score": 0.6,
        "total_score": 0.9,
        "num_parameters": 1234,
        "params": {"learning_rate": 0.001, "units": 64},
        "model_path": "accuracy_only/run_0/optimized_model/model.keras",
    }
    payload = {
        "study_id": "old",
        "config": config,
        "phase": "building",
        "state": "interrupted",
        "error": None,
        "created_at": "2025-01-02T10:30:00+00:00",
        "updated_at": "2025-01-02T10:31:00+00:00",
        "runs": [_old_run("accuracy_only", 0, **done), _old_run("health_aware", 0)],
        "modules_requested": [],
        "modules_completed": [],
        "report_seconds": None,
    }
    root = tmp_path / "old"
    root.mkdir()
    (root / "metadata.json").write_text(json.dumps(payload, indent=2))
    return root


def test_an_old_metadata_json_loads_with_modes_as_records_mode(old_study: Path):
    metadata = StudyMetadata.read(old_study / "metadata.json")
    simple, health = (metadata.runs_of(mode) for mode in STUDY_MODES)
    assert [r.mode for r in simple + health] == [Mode.SIMPLE, Mode.HEALTH_AWARE]
    assert simple[0].completed and simple[0].params == {"learning_rate": 0.001, "units": 64}
    assert (simple[0].key, simple[0].label) == ("accuracy_only:0", "accuracy_only run 0")
    assert not health[0].completed


def test_metadata_is_written_back_in_the_spelling_it_was_read(old_study: Path, tmp_path: Path):
    before = json.loads((old_study / "metadata.json").read_text())
    metadata = StudyMetadata.read(old_study / "metadata.json")
    metadata.write(tmp_path / "again.json")
    assert json.loads((tmp_path / "again.json").read_text()) == before
    updated = metadata.with_run(metadata.runs[1].with_updates(status="running"))
    written = updated.to_json()
    assert [r["mode"] for r in written["runs"]] == ["accuracy_only", "health_aware"]
    assert written["updated_at"] != before["updated_at"]


def test_an_old_study_resumes_its_runs_in_their_old_folders(old_study: Path):
    study = ComparisonStudy.open(old_study.parent, "old")
    pending = study.metadata().runs_of(Mode.HEALTH_AWARE)[0]
    config = study._run_config(pending)
    assert Path(config.output_dir) == old_study / "health_aware"
    assert (config.run_name, config.mode) == ("run_0", Mode.HEALTH_AWARE)
    # a new study's plan uses the same folders and spelling
    plan = ComparisonStudy(replace(study.config, study_id="new")).metadata()
    assert [r.run_dir for r in plan.runs] == ["accuracy_only/run_0", "health_aware/run_0"]


def test_a_run_record_refuses_a_mode_no_study_has():
    with pytest.raises(ValueError, match="not a study mode: 'accuracy'"):
        RunRecord(mode="accuracy", index=0, seed=0, run_dir="x")
    with pytest.raises(ValueError):
        StudyMetadata(study_id="s", config={}).runs_of("accuracy_only")  # type: ignore[arg-type]


def test_arms_are_spelt_by_their_on_disk_names_in_results_json():
    assert arm_mode("health_aware") is arm_mode("health-aware") is Mode.HEALTH_AWARE
    design = StudyDesign(
        paired=True,
        search="s",
        runs_per_mode=2,
        completed_runs={Mode.SIMPLE: 2, Mode.HEALTH_AWARE: 1},
        split_sizes={"holdout": 10},
        selection="s",
        tests="t",
    )
    assert design.to_json()["completed_runs"] == {"accuracy_only": 2, "health_aware": 1}
    assert StudyDesign.from_json(design.to_json()) == design
    row = ExecutiveRow(
        metric="m",
        accuracy_only=float("nan"),
        health_aware=0.5,
        difference=None,
        p_value=None,
        significant=False,
    )
    summary = ExecutiveSummary(rows=[row], winner=Mode.HEALTH_AWARE, verdict="v")
    written = summary.to_json()
    assert written["winner"] == "health_aware" and written["rows"][0]["accuracy_only"] is None
    assert ExecutiveSummary.from_json(written).winner is Mode.HEALTH_AWARE
    # either spelling reads; a name no study has is refused
    assert ExecutiveSummary.from_json({**written, "winner": "health-aware"}) == summary
    with pytest.raises(SchemaError, match="not a study mode"):
        ExecutiveSummary.from_json({**written, "winner": "accuracy"})
