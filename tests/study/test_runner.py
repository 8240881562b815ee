"""A real comparison study on digits with the smallest budget: phase 1a is stopped after its
first run and resumed, then phase 1b runs with ablation in its own process.

Phase 1a trains for real (its trials must load their data with the holdout sealed). The six
ablation runs of phase 1b are scripted trials that ship the shared tiny model: how a run
trains is phase 1a's to show; phase 1b's test is that the ablation runs are planned, run and
recorded, and that the analysis process loads and measures every model and writes the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from healthopt.config import HEALTH_COMPONENTS, ConfigError
from healthopt.records import Mode
from healthopt.study.config import StudyConfig
from healthopt.study.metadata import StudyMetadata
from healthopt.study.runner import ComparisonStudy, StudyError, StudyStopped

from ..optimize.scripted import complete, script_studies

# An ablation trial: every health component measured, as each run weighs only one of them.
ABLATION_TRIAL = complete(0.8, **dict.fromkeys(HEALTH_COMPONENTS, 0.7))


def _config(root: Path, **changes) -> StudyConfig:
    values = {
        "runs_per_mode": 2,
        "trials_per_run": 1,
        "max_epochs_per_trial": 1,
        "ablation_trials": 1,
        "output_dir": str(root),
        "study_id": "real",
    }
    return StudyConfig(**{**values, **changes})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(study, events of the stopped attempt, metadata when stopped, events of the resume)."""
    root = tmp_path_factory.mktemp("studies")
    first: list[dict] = []
    study = ComparisonStudy(_config(root))

    def stop_after_first_run(event):
        first.append(event)
        if event["kind"] == "study_run_finished":
            study.request_stop()

    study.on_event = stop_after_first_run
    with pytest.raises(StudyStopped):
        study.build_models()
    stopped = study.metadata()
    resumed: list[dict] = []
    again = ComparisonStudy(_config(root), on_event=resumed.append)
    again.build_models()
    return again, first, stopped, resumed


def test_phase_1a_builds_every_run_of_both_modes(built):
    study, _, _, _ = built
    metadata = study.metadata()
    assert (metadata.phase, metadata.state) == ("built", "completed")
    for mode in (Mode.SIMPLE, Mode.HEALTH_AWARE):
        runs = metadata.runs_of(mode)
        assert [r.index for r in runs] == [0, 1]
        for record in runs:
            assert record.completed and record.seed == 1000 * record.index
            assert (study.paths.root / record.model_path).is_file()
            results = json.loads((study.paths.root / record.run_dir / "results.json").read_text())
            # Every trial loaded its data with the holdout sealed: had one read it, it would
            # have failed with HoldoutSealed instead of completing.
            assert [t["state"] for t in results["trials"]] == ["COMPLETE"]
            assert 0.0 <= record.val_accuracy <= 1.0 and record.health_score is not None


def test_stopping_keeps_the_finished_run_and_resuming_runs_only_the_rest(built):
    _, first, stopped, resumed = built
    assert stopped.state == "cancelled"
    assert [r.label for r in stopped.runs if r.completed] == ["accuracy_only run 0"]
    assert all(r.status in ("completed", "pending") for r in stopped.runs)
    started = [
        (e["study_mode"], e["run_index"]) for e in resumed if e["kind"] == "study_run_started"
    ]
    assert started == [(Mode.HEALTH_AWARE, 0), (Mode.SIMPLE, 1), (Mode.HEALTH_AWARE, 1)]
    # progress of both modes reaches the listener, tagged with the mode and run
    tagged = {e["study_mode"] for e in first + resumed if e["kind"] == "trial_finished"}
    assert tagged == {Mode.SIMPLE, Mode.HEALTH_AWARE}


def test_a_built_study_builds_nothing_again(built):
    study, _, _, _ = built
    events: list[dict] = []
    ComparisonStudy(study.config, on_event=events.append).build_models()
    assert not [e for e in events if e["kind"] == "study_run_started"]


def test_other_settings_under_the_same_id_are_refused(built):
    study, _, _, _ = built
    changed = _config(Path(study.config.output_dir), trials_per_run=2)
    with pytest.raises(ConfigError, match="different settings.*trials_per_run"):
        ComparisonStudy(changed).build_models()


def test_analysis_needs_a_built_study(tmp_path):
    study = ComparisonStudy(_config(tmp_path, study_id="unbuilt"))
    study.metadata().write(study.paths.metadata)
    with pytest.raises(StudyError, match="phase 1a .* has not finished"):
        study.analyze(["generalization"])
    with pytest.raises(ConfigError, match="at least one"):
        study.analyze([])


def test_phase_1b_runs_ablation_then_writes_results_and_report(
    built, monkeypatch, tiny_digits_model
):
    study, _, _, _ = built
    executors = script_studies(monkeypatch, lambda spec: ABLATION_TRIAL, tiny_digits_model)
    events: list[dict] = []
    study.on_event = events.append
    results = study.analyze(["generalization", "ablation", "failure_cases"])
    metadata = StudyMetadata.read(study.paths.metadata)
    assert (metadata.phase, metadata.state) == ("analyzed", "completed")
    assert sorted(r.component for r in metadata.ablation_runs()) == sorted(HEALTH_COMPONENTS)
    assert all(r.completed for r in metadata.ablation_runs())
    assert [len(e.specs) for e in executors] == [len(HEALTH_COMPONENTS)]  # one trial each
    assert list(results.modules) == ["generalization", "ablation", "failure_cases"]
    assert json.loads(study.paths.results.read_text()) == results.to_json()
    for row in results.executive_summary.rows:
        assert row.p_value is None or 0.0 <= row.p_value <= 1.0
    if results.executive_summary.winner is None:
        assert "No significant difference" in results.executive_summary.verdict
    reader = PdfReader(study.paths.report)
    assert results.report is not None
    assert len(reader.pages) == results.report.pages >= 3
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Executive summary" in text and "Ablation" in text
    modules = [e["module"] for e in events if e["kind"] == "module_finished"]
    assert modules == ["generalization", "ablation", "failure_cases"]
    assert json.loads(study.paths.progress.read_text())["current"] is None


def test_the_cli_and_server_side_of_a_study_never_import_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import healthopt.cli, healthopt.study.runner, healthopt.api.app\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')"
        " or m.startswith(('healthopt.study.analysis', 'healthopt.study.modules'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_ablation_runs_use_the_study_base_seed_their_record_states(tmp_path):
    from healthopt.study.metadata import RunRecord

    study = ComparisonStudy(_config(tmp_path, seed=5))
    record = RunRecord(
        mode=Mode.HEALTH_AWARE,
        index=3,
        seed=5,
        run_dir="ablation/gradient_health",
        kind="ablation",
        component="gradient_health",
    )
    config = study._run_config(record)
    assert (config.seed, config.run_name, config.trials) == (record.seed, "gradient_health", 1)
    assert config.scoring_weights.health_components["gradient_health"] == 1.0
    assert Path(config.output_dir) == study.paths.ablation_dir
