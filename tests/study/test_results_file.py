"""results.json as today's main wrote it (before it was versioned) still loads, is written
back key for key, and still makes the report; each module's data is described by its record.

data/results_v0_digits.json: a tiny digits study (two runs per mode, one crafted ablation
run per health component, an npz transfer set) analysed with every module by the code
before `records.study` existed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from healthopt.records import Mode, SchemaError
from healthopt.records.study import (
    HypothesisTest,
    ModeComparison,
    ModuleData,
    ModuleError,
    ModuleOutcome,
    StudyResults,
)
from healthopt.study import analysis
from healthopt.study.modules.ablation import AblationData
from healthopt.study.modules.calibration import CalibrationData
from healthopt.study.modules.distribution_shift import ShiftData
from healthopt.study.modules.failure_cases import FailureCasesData, SeverityNotMeasured
from healthopt.study.modules.generalization import GeneralizationData
from healthopt.study.modules.per_class import PerClassData
from healthopt.study.modules.robustness import RobustnessData
from healthopt.study.modules.transfer import TransferData
from healthopt.study.report import build_report

V0 = Path(__file__).parent / "data" / "results_v0_digits.json"
MODULE_DATA: dict[str, type[ModuleData]] = {
    "generalization": GeneralizationData,
    "robustness": RobustnessData,
    "distribution_shift": ShiftData,
    "calibration": CalibrationData,
    "transfer": TransferData,
    "ablation": AblationData,
    "per_class": PerClassData,
    "failure_cases": FailureCasesData,
}


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(V0.read_text())


def test_a_version_0_file_loads_with_its_arms_as_modes(raw):
    assert "schema_version" not in raw
    results = StudyResults.from_json(V0.read_bytes())
    assert results.schema_version == StudyResults.SCHEMA_VERSION == 1
    assert set(results.best_models) == {Mode.SIMPLE, Mode.HEALTH_AWARE}
    assert set(results.design.completed_runs) == {Mode.SIMPLE, Mode.HEALTH_AWARE}
    assert results.runs[0].mode is Mode.SIMPLE and results.report is not None
    assert list(results.modules) == list(MODULE_DATA)
    tests = results.modules["generalization"].tests
    assert [type(t) for t in tests] == [ModeComparison] * 4 + [HypothesisTest]
    assert not any(m.unknown_keys() for m in results.modules.values())
    assert not results.unknown_keys()


def test_a_rewrite_keeps_every_key_and_value(raw):
    written = StudyResults.from_json(raw).to_json()
    assert written.pop("schema_version") == 1
    assert written == raw
    assert list(written) == list(raw)  # and their order


@pytest.mark.parametrize("name", list(MODULE_DATA))
def test_each_module_data_record_describes_what_the_module_wrote(raw, name):
    data = raw["modules"][name]["data"]
    record = MODULE_DATA[name].from_json(data)
    assert not record.unknown_keys()
    assert record.to_json() == data


def test_the_failure_cases_severity_reads_its_unmeasured_shape(raw):
    data = FailureCasesData.from_json(raw["modules"]["failure_cases"]["data"])
    assert isinstance(data.severity, SeverityNotMeasured) and "digits" in data.severity.reason


def test_a_newer_file_and_a_broken_one_are_refused(raw):
    with pytest.raises(SchemaError, match="newer"):
        StudyResults.from_json({**raw, "schema_version": 2})
    rows = raw["modules"]["generalization"]["tables"][0]["rows"]
    broken = json.loads(json.dumps(raw))
    broken["modules"]["generalization"]["tables"][0]["rows"] = [rows[0][:-1]]
    with pytest.raises(SchemaError, match="a row has 6 cells for 7 columns"):
        StudyResults.from_json(broken)


def test_the_report_is_made_from_the_version_0_file(tmp_path):
    results = StudyResults.from_json(V0.read_bytes())
    info = build_report(results, tmp_path, tmp_path / "report.pdf")
    reader = PdfReader(str(info.path))
    text = " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())
    assert info.pages == len(reader.pages) >= 10
    for module in results.modules.values():
        assert module.title in text
    assert results.executive_summary.verdict[:60] in text
    assert "(figure missing: figures/generalization_holdout.png)" in text  # PNGs not kept


def test_a_module_that_raises_is_recorded_with_its_error(monkeypatch):
    def broken(_context):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(analysis, "module_runner", lambda name: ("Broken", broken))
    outcome = analysis._run_module("generalization", context=None)  # type: ignore[arg-type]
    assert isinstance(outcome, ModuleOutcome) and not outcome.available
    assert outcome.reason == "the module failed: RuntimeError: out of memory"
    assert outcome.data == ModuleError(error="out of memory")
    assert outcome.to_json()["data"] == {"error": "out of memory"}
