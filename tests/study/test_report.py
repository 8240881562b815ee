"""The study's PDF report: built from results.json's records, read back with pypdf."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
from pypdf import PdfReader

from healthopt.records import Mode
from healthopt.records.study import (
    ExecutiveRow,
    ModuleOutcome,
    ResultFigure,
    ResultTable,
    RunRecord,
    StudyResults,
)
from healthopt.study.config import StudyConfig
from healthopt.study.report import FRAME_WIDTH, _column_widths, _Styles, build_report
from healthopt.study.report_format import (
    appendix_row,
    escape,
    fmt_ci,
    fmt_number,
    fmt_p,
    fmt_params,
    fmt_percent,
    fmt_pp,
    fmt_signed,
    run_row,
    summary_row,
)
from healthopt.study.stats import compare, mcnemar_exact, paired_t_test

matplotlib.use("Agg")

VERDICT = "Health-aware optimization reached a significantly smaller generalization gap."
UNAVAILABLE = "No related dataset is registered for digits, so transfer cannot be measured."


def _png(path: Path, size: tuple[float, float], title: str) -> str:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=size)
    ax.plot([0, 1, 2, 3], [0.9, 0.85, 0.7, 0.5], marker="o", label="Accuracy-only")
    ax.plot([0, 1, 2, 3], [0.88, 0.86, 0.78, 0.62], marker="s", label="Health-aware")
    ax.set(title=title, xlabel="Severity", ylabel="Holdout accuracy")
    ax.legend()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return f"figures/{path.name}"


def _runs() -> list[dict]:
    runs = []
    for mode in ("accuracy_only", "health_aware"):
        for index in range(3):
            runs.append(
                RunRecord(
                    mode=mode,
                    index=index,
                    seed=1000 * index,
                    run_dir=f"{mode}/run_{index}",
                    status="completed",
                    val_accuracy=0.9 + 0.01 * index,
                    test_accuracy=0.88,
                    health_score=0.61,
                    total_score=0.8,
                    num_parameters=12_345,
                    params={"learning_rate": 0.001, "units": 64},
                ).to_json()
            )
    failed = RunRecord(
        mode="health_aware", index=0, seed=0, run_dir="ablation/gradient_health", kind="ablation"
    )
    runs.append(
        failed.with_updates(
            component="gradient_health", status="failed", error="OOM <GPU>"
        ).to_json()
    )
    return runs


def full_results(analysis_dir: Path) -> StudyResults:
    """Two available modules (tables, figures, both kinds of test record), one unavailable,
    None values in tables and summaries, a figure whose file is missing."""
    figures = analysis_dir / "figures"
    wide = _png(figures / "generalization_gap.png", (10, 4), "Generalization gap per run")
    tall = _png(figures / "robustness_curves.png", (6, 9), "Accuracy under corruption")
    a, b = [0.90, 0.91, 0.92], [0.89, 0.915, 0.93]
    generalization = ModuleOutcome(
        name="generalization",
        title="Generalization to the holdout",
        summary=[
            "The gap is 1.2 pp smaller for health-aware models (p = 0.04, n = 3 pairs).",
            "Markup is text here: <b>not bold</b> & co.",
        ],
        tables=[
            ResultTable(
                title="Holdout accuracy per run",
                columns=["Run", "Mode", "Val", "Holdout", "Gap", "Parameters"],
                rows=[
                    ["run 0", "accuracy_only", 0.91, 0.88, 0.03, 7002],
                    ["run 1", "health_aware", 0.905, None, None, 5120],
                ],
                note="Gap = validation minus holdout accuracy.",
            ),
            ResultTable(
                title="A wide table with long headers",
                columns=[f"Long column header number {i}" for i in range(10)],
                rows=[[f"value_{i}_with_a_long_identifier" for i in range(10)] for _ in range(3)],
            ),
        ],
        figures=[
            ResultFigure(path=wide, caption="Gap per run, both modes."),
            ResultFigure(path="figures/not_there.png", caption="This file was never written."),
        ],
        tests=[
            compare("Holdout accuracy", a, b, paired=True).record(),
            mcnemar_exact([True, True, False, True], [True, False, True, True]).record(),
        ],
    )
    robustness = ModuleOutcome(
        name="robustness",
        title="Robustness to corruptions",
        summary=["Accuracy falls with noise σ ≥ 0.2 in both modes; no significant difference."],
        tables=[
            ResultTable(
                title="Accuracy per corruption level",
                columns=["Corruption", "Level", "Accuracy-only", "Health-aware", "Difference"],
                rows=[
                    ["gaussian_noise", level / 100, 0.9 - level / 200, 0.9, None]
                    for level in range(70)
                ],
            )
        ],
        figures=[ResultFigure(path=tall, caption="Accuracy against severity (a tall figure).")],
        tests=[compare("Robustness score", [0.5], [0.6], paired=True).record()],
    )
    transfer = ModuleOutcome.unavailable("transfer", "Cross-dataset transfer", UNAVAILABLE)
    modules = {m.name: m.to_json() for m in (generalization, robustness, transfer)}
    summary_rows = [
        {"metric": "Validation accuracy", "accuracy_only": 0.91, "health_aware": 0.905,
         "difference": -0.005, "p_value": 0.412, "significant": False},
        {"metric": "Holdout accuracy", "accuracy_only": None, "health_aware": None,
         "difference": None, "p_value": None, "significant": False},
        {"metric": "Generalization gap (val - holdout)", "accuracy_only": 0.03,
         "health_aware": 0.018, "difference": -0.012, "p_value": 0.0004, "significant": True},
    ]  # fmt: skip
    return StudyResults.from_json({
        "study_id": "study_digits_test",
        "dataset": "digits",
        "generated_at": "2025-01-02T10:30:00+00:00",
        "config": StudyConfig(study_id="study_digits_test").to_dict(),
        "hypothesis": "Health-aware optimization selects models that generalize better.",
        "design": {
            "paired": True,
            "search": "Beyond TPE's start-up trials each mode's search follows its own objective.",
            "runs_per_mode": 3,
            "completed_runs": {"accuracy_only": 3, "health_aware": 3},
            "split_sizes": {"train": 1078, "val": 359, "test": 180, "holdout": 180},
            "selection": "Each mode's model is the best trial of its best run by total score.",
            "tests": "Paired t-tests with Wilcoxon signed-rank checks, pairs by run seed.",
        },
        "best_models": {
            "accuracy_only": {
                "label": "accuracy_only run 1",
                "val_accuracy": 0.92,
                "test_accuracy": 0.9,
                "holdout_accuracy": None,
                "health_score": 0.6,
                "num_parameters": 7002,
                "params": {"learning_rate": 0.001, "units": 64},
            },
            "health_aware": {
                "label": "health_aware run 2",
                "val_accuracy": None,
                "test_accuracy": 0.89,
                "holdout_accuracy": 0.88,
                "health_score": None,
                "num_parameters": None,
                "params": {},
            },
        },  # fmt: skip
        "executive_summary": {"rows": summary_rows, "winner": "health_aware", "verdict": VERDICT},
        "modules_requested": ["generalization", "robustness", "transfer"],
        "modules": modules,
        "conclusions": ["The health-aware models generalize slightly better."],
        "runs": _runs(),
        "timings": {"analysis_seconds": 12.3},
    })  # fmt: skip


def _text(path: Path) -> tuple[int, str]:
    reader = PdfReader(str(path))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


@pytest.fixture(scope="module")
def full_report(tmp_path_factory):
    analysis_dir = tmp_path_factory.mktemp("analysis_results")
    info = build_report(full_results(analysis_dir), analysis_dir, analysis_dir / "report.pdf")
    return info


def test_full_report_has_every_section_and_reads_back(full_report):
    pages, text = _text(full_report.path)
    assert full_report.path.name == "report.pdf" and full_report.seconds > 0
    assert full_report.pages == pages >= 3
    for heading in [
        "Comparison study: accuracy-only vs health-aware optimization",
        "Executive summary",
        "Selected models",
        "Hypothesis",
        "Method",
        "Generalization to the holdout",
        "Robustness to corruptions",
        "Cross-dataset transfer",
        "Statistical appendix",
        "Conclusions",
    ]:
        assert heading in text, heading
    assert VERDICT in text
    assert "Winner: Health-aware" in text
    assert UNAVAILABLE in text
    assert "< 0.001" in text and "0.412" in text and "-1.20 pp" in text and "91.0%" in text
    assert "(figure missing: figures/not_there.png)" in text
    assert "Markup is text here: <b>not bold</b> & co." in text
    assert "noise σ ≥ 0.2" in text
    assert "paired t-test" in text and "McNemar exact" in text
    assert "OOM <GPU>" in text and "gradient_health" in text
    assert f"Page {pages} of {pages}" in text and "study_digits_test" in text
    assert "split seed" in text and "1078" in text


def _minimal(**changes) -> StudyResults:
    """Results with nothing measured: no modules, no rows, no runs."""
    fields = {
        "study_id": "s1",
        "dataset": "digits",
        "generated_at": "",
        "config": StudyConfig(study_id="s1").record(),
        "hypothesis": "",
        "design": {
            "paired": False,
            "search": "",
            "runs_per_mode": 1,
            "completed_runs": {},
            "split_sizes": {},
            "selection": "",
            "tests": "",
        },
        "best_models": {},
        "executive_summary": {"rows": [], "winner": None, "verdict": ""},
        "modules_requested": [],
        "modules": {},
        "conclusions": [],
        "runs": [],
        "timings": {},
    }
    return StudyResults.create(**{**fields, **changes})


def test_minimal_results_still_render(tmp_path):
    info = build_report(_minimal(), tmp_path, tmp_path / "out" / "report.pdf")
    pages, text = _text(info.path)
    assert info.pages == pages >= 1
    assert "No summary metrics were recorded." in text
    assert "No verdict was recorded." in text and "Winner" not in text
    assert "No hypothesis was recorded." in text and "No conclusions were recorded." in text
    assert "Conclusions" in text and "Page 1 of" in text


def test_empty_modules_and_rows_with_nulls(tmp_path):
    results = _minimal(
        modules={"calibration": ModuleOutcome(name="calibration", title="")},
        runs=[RunRecord(mode=Mode.SIMPLE, index=0, seed=0, run_dir="accuracy_only/run_0")],
    )
    info = build_report(results, tmp_path, tmp_path / "report.pdf")
    pages, text = _text(info.path)
    assert info.pages == pages
    assert "calibration" in text and "The module recorded no findings." in text
    assert "pending" in text
    assert not list(tmp_path.glob("*.partial"))


def test_columns_fit_the_page():
    rows = [[f"Header {j}" for j in range(12)]] + [["word " * 30] * 12 for _ in range(3)]
    widths = _column_widths(rows, _Styles())
    assert sum(widths) == pytest.approx(FRAME_WIDTH)
    small = _column_widths([["a", "b"], ["1", "2"]], _Styles())
    assert sum(small) < FRAME_WIDTH / 4


def test_number_formatting():
    assert fmt_p(0.4123) == "0.412"
    assert fmt_p(0.0004) == "< 0.001"
    assert fmt_p(0.001) == "0.001"
    assert fmt_p(1.0) == "1.000"
    assert fmt_p(None) == fmt_p(float("nan")) == "n/a"
    assert fmt_percent(0.9123) == "91.2%"
    assert fmt_percent(1.0, decimals=2) == "100.00%"
    assert fmt_percent(None) == "n/a"
    assert fmt_pp(-0.0123) == "-1.23 pp"
    assert fmt_pp(0.05) == "+5.00 pp"
    assert fmt_pp(-0.00001) == "0.00 pp"
    assert fmt_number(0.91234) == "0.912"
    assert fmt_number(12.345) == "12.35" and fmt_number(123456.0) == "123,456"
    assert fmt_number(0.00012) == "1.20e-04" and fmt_number(0.0) == "0.000"
    assert fmt_number(7002) == "7002" and fmt_number(12345) == "12,345"
    assert fmt_number(True) == "yes" and fmt_number(float("inf")) == "n/a"
    assert fmt_signed(0.5) == "+0.500" and fmt_signed(-0.5) == "-0.500"
    assert fmt_signed(None) == "n/a"
    assert fmt_ci(0.01, -0.02, 0.04) == "+0.010 [-0.020, +0.040]"
    assert fmt_ci(0.01, None, None) == "+0.010 [n/a]"
    assert fmt_ci(None, 0.0, 1.0) == "n/a"
    assert fmt_params({"learning_rate": 0.001, "units": 64}) == "learning_rate=0.001, units=64"
    assert fmt_params(None) == "n/a"
    assert escape("a < b & c > d") == "a &lt; b &amp; c &gt; d" and escape(None) == "n/a"


def _row(metric: str, **values) -> ExecutiveRow:
    empty = dict.fromkeys(("accuracy_only", "health_aware", "difference", "p_value"))
    return ExecutiveRow(**{"metric": metric, **empty, "significant": False, **values})


def test_summary_row_formats_by_metric():
    row = _row("Test accuracy", accuracy_only=0.88, health_aware=0.9, difference=0.02,
               p_value=0.0001, significant=True)  # fmt: skip
    assert summary_row(row) == ["Test accuracy", "88.0%", "90.0%", "+2.00 pp", "< 0.001", "yes"]
    gap = _row("Generalization gap (val - holdout)", accuracy_only=0.03)
    assert summary_row(gap) == [gap.metric, "+3.00 pp", "n/a", "n/a", "n/a", "no"]
    other = _row("Health score", accuracy_only=0.5, health_aware=0.6, difference=0.1, p_value=0.2)
    assert summary_row(other)[1:4] == ["0.500", "0.600", "+0.100"]


def test_appendix_rows_for_both_record_kinds():
    comparison = compare("Holdout accuracy", [0.9, 0.91, 0.92], [0.89, 0.915, 0.93], paired=True)
    row = appendix_row("Generalization", comparison.record())
    assert row[0:3] == ["Generalization", "Holdout accuracy", "3 pairs"]
    assert row[3].startswith("+0.002 [") and row[4].startswith("cohens_dz = ")
    assert row[5] == "paired t-test\nWilcoxon signed-rank"
    assert row[7] == f"{fmt_p(comparison.primary.p_value)}\n{fmt_p(comparison.secondary.p_value)}"
    undefined = appendix_row("R", compare("Score", [0.5], [0.6], paired=False).record())
    assert undefined[2] == "1 / 1" and undefined[7] == "n/a\nn/a"
    # both tests are undefined for the same reason: said once, after the metric
    assert undefined[1] == "Score\n(fewer than two values in a sample; the test is undefined)"
    assert appendix_row("R", compare("S", [0.5], [0.6], paired=True).record())[2] == "1 pair"
    test = mcnemar_exact([True, True, False], [True, False, True]).record()
    row = appendix_row("Per class", test)
    assert row[1:6] == ["McNemar exact", "3 / 3", "n/a", "n/a", "McNemar exact"]
    assert row[7] == fmt_p(test.p_value)
    t_test = paired_t_test([0.9, 0.91, 0.92], [0.89, 0.915, 0.94]).record()
    assert appendix_row("M", t_test)[6] == f"{fmt_number(t_test.statistic)} (df 2.000)"


def test_run_row_with_missing_values():
    run = RunRecord(mode="accuracy_only", index=0, seed=0, run_dir="accuracy_only/run_0",
                    status="completed", val_accuracy=0.9, num_parameters=12345)  # fmt: skip
    row = run_row(run)
    assert row == ["Accuracy-only", "0", "0", "completed", "90.0%", "n/a", "n/a", "n/a", "12,345"]
    ablation = run_row(
        run.with_updates(
            kind="ablation", component="gradient_health", status="failed", error="x" * 300
        )  # fmt: skip
    )
    assert ablation[:2] == ["Ablation", "gradient_health"] and ablation[3].endswith("...")
