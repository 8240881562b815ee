"""`healthopt report RUN`: a run's views as one self-contained report.html and one PNG per view.

The HTML holds Optuna's plotly figures (`runs.views`) with plotly.js embedded once, so it opens
from disk with no internet. The PNGs are drawn by `optuna.visualization.matplotlib` from the
same in-memory studies (and matplotlib for the impact heatmap): kaleido would need a browser.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from healthopt.progress import StepProgress
from healthopt.records import RunResults
from healthopt.records.recommendations import Evidence, RecommendationReport
from healthopt.records.views import VIEW_NAMES, ImpactHeatmap, RunViews
from healthopt.runs.index import RunFolder, RunUnreadable, read_results
from healthopt.runs.recommendations import recommend_run
from healthopt.runs.views import DEFAULT_SEED, ViewStudies, view_studies, views_of

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from rich.console import Console

REPORT_FILE = "report.html"
REPORT_DIR = "report"  # under the run folder, when no output folder is given
REPORT_FORMATS = ("html", "png")
_WIDE = ("history", "parallel_coordinates")


class ReportError(ValueError):
    """The run cannot be reported (no results yet, unreadable results.json); says why."""


@dataclass(frozen=True)
class ReportFiles:
    """What `write_report` wrote, and the views it wrote them from."""

    views: RunViews
    recommendations: RecommendationReport | None = None
    html: Path | None = None
    pngs: dict[str, Path] = field(default_factory=dict)


def parse_formats(text: str) -> tuple[str, ...]:
    """`--format html,png` as a tuple; ReportError naming an unknown format."""
    formats = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [f for f in formats if f not in REPORT_FORMATS]
    if unknown or not formats:
        raise ReportError(
            f"--format: {', '.join(unknown) or '(empty)'} is not one of {', '.join(REPORT_FORMATS)}"
        )
    return formats


def write_report(
    run: RunFolder,
    output: Path | None = None,
    formats: Sequence[str] = REPORT_FORMATS,
    *,
    console: Console | None = None,
    seed: int = DEFAULT_SEED,
) -> ReportFiles:
    """Write the run's report into `output` (default RUN/report/): report.html and/or one PNG
    per view that could be drawn. ReportError when the run has nothing to report."""
    unknown = [f for f in formats if f not in REPORT_FORMATS]
    if unknown or not formats:
        raise ReportError(f"formats must be among {', '.join(REPORT_FORMATS)}, got {formats!r}")
    target = output if output is not None else run.path / REPORT_DIR
    steps = 2 + len(formats) + ("html" in formats)  # recommendations go into the page only
    with StepProgress("report", steps, console) as progress:
        with progress.step("read results"):
            results = _results(run)
        with progress.step("views"):
            studies = view_studies(run, results)
            views = views_of(run.name, results, studies, seed=seed)
        recommendations: RecommendationReport | None = None
        if "html" in formats:
            with progress.step("recommendations"):
                recommendations = recommend_run(run, results)
        target.mkdir(parents=True, exist_ok=True)
        page: Path | None = None
        pngs: dict[str, Path] = {}
        if "html" in formats:
            with progress.step("html"):
                page = target / REPORT_FILE
                page.write_text(report_html(views, results, recommendations), encoding="utf-8")
        if "png" in formats:
            with progress.step("png"):
                pngs = write_pngs(views, studies, target, seed=seed)
    return ReportFiles(views=views, recommendations=recommendations, html=page, pngs=pngs)


def _results(run: RunFolder) -> RunResults:
    try:
        results = read_results(run)
    except RunUnreadable as exc:
        raise ReportError(str(exc)) from None
    if results is None:
        raise ReportError(f"run {run.name!r} has no results.json yet: no trial has finished")
    return results


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2rem; } .meta { color: #555; margin-top: 0; }
section { margin: 2rem 0; border-top: 1px solid #ddd; padding-top: 1rem; }
.note { color: #555; font-size: 0.9rem; } .missing { color: #a33; }
table { border-collapse: collapse; } td, th { padding: 0.2rem 0.6rem; text-align: left; }
"""


def report_html(
    views: RunViews, results: RunResults, recommendations: RecommendationReport | None = None
) -> str:
    """One self-contained page: the baselines, plotly.js embedded in the first figure only (the
    rest reuse it, so the file opens offline and carries the library once), and the run's
    recommendations."""
    import plotly.io as pio

    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>healthopt report: {esc(views.run)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Run {esc(views.run)}</h1>",
        f'<p class="meta">dataset {esc(results.dataset)}, {esc(str(results.mode))} mode, '
        f"{views.trials_used} complete trials of {len(results.trials)} finished "
        f"({results.trials_requested} requested); best trial {results.best_trial}</p>",
    ]
    parts.extend(f'<p class="note">{esc(note)}</p>' for note in views.notes)
    parts.append(_baselines_html(results))
    embedded = False
    for name in VIEW_NAMES:
        spec = views.figures.get(name)
        if spec is None:
            continue
        parts.append(f'<section id="{esc(name)}"><h2>{esc(spec.title)}</h2>')
        if spec.figure is None:
            parts.append(f'<p class="missing">Not drawn: {esc(spec.note or "")}</p>')
        else:
            parts.append(
                pio.to_html(
                    spec.figure,
                    full_html=False,
                    include_plotlyjs=not embedded,
                    config={"responsive": True, "displaylogo": False},
                )
            )
            embedded = True
            if spec.note:
                parts.append(f'<p class="note">{esc(spec.note)}</p>')
        if name == "impact_heatmap" and views.heatmap is not None:
            parts.append(_findings_html(views.heatmap))
        if name.startswith("importance_"):
            target = "val_accuracy" if name == "importance_accuracy" else "health"
            parts.append(_importance_html(views, target))
        parts.append("</section>")
    if recommendations is not None:
        parts.append(_recommendations_html(recommendations))
    parts.append("</body></html>")
    return "\n".join(parts)


def _baselines_html(results: RunResults) -> str:
    """The chosen model's val accuracy against each baseline (`optimize.baselines`)."""
    esc = html.escape
    if results.baselines is None:
        return (
            '<section id="baselines"><h2>Baselines</h2><p class="note">Not measured: the '
            "run was made before healthopt measured baselines.</p></section>"
        )
    best = results.best()
    accuracy = best.metrics.val_accuracy if best is not None else None
    rows = []
    for score in results.baselines.scores:
        if score.val_accuracy is None:
            value, margin = "-", esc(score.error or "not measured")
        else:
            value = f"{score.val_accuracy:.4f}"
            margin = "-" if accuracy is None else f"{accuracy - score.val_accuracy:+.4f}"
        rows.append(
            f"<tr><td>{esc(score.name.replace('_', ' '))}</td><td>{value}</td>"
            f"<td>{_number(score.test_accuracy)}</td><td>{margin}</td></tr>"
        )
    chosen = "-" if accuracy is None else f"{accuracy:.4f}"
    return (
        '<section id="baselines"><h2>Baselines</h2>'
        f'<p class="meta">The chosen model\'s val accuracy: {chosen}. Baselines are fitted on '
        "the same train split and scored on the same validation and test splits.</p>"
        "<table><tr><th>baseline</th><th>val accuracy</th><th>test accuracy</th>"
        f"<th>margin of the chosen model</th></tr>{''.join(rows)}</table></section>"
    )


def _evidence_text(evidence: Evidence) -> str:
    parts = [evidence.test, f"n={evidence.n}"]
    if evidence.p_value is not None:
        parts.append(f"p={evidence.p_value:.3g}")
    if evidence.effect_size is not None:
        parts.append(f"{evidence.effect_name or 'effect'}={evidence.effect_size:.3g}")
    if evidence.ci_low is not None and evidence.ci_high is not None:
        what = f" of {evidence.ci_name}" if evidence.ci_name else ""
        parts.append(f"95% CI{what} [{evidence.ci_low:.3g}, {evidence.ci_high:.3g}]")
    return ", ".join(parts)


def _recommendations_html(report: RecommendationReport) -> str:
    """Each recommendation with its evidence, then each topic that had too little to go on."""
    esc = html.escape
    items = "".join(
        f"<li><b>{esc(r.title)}</b> ({esc(r.confidence)} confidence, {esc(r.priority)} "
        f"priority): {esc(r.current or '-')} &rarr; {esc(r.suggested)}. {esc(r.rationale)}"
        f'<br><span class="note">{esc(_evidence_text(r.evidence))}</span></li>'
        for r in report.recommendations
    )
    missing = "".join(
        f"<li>{esc(entry.topic)}: {esc(entry.reason)}</li>" for entry in report.insufficient
    )
    body = (
        f"<ul>{items}</ul>"
        if items
        else '<p class="note">No recommendation: no topic had a significant signal.</p>'
    )
    if missing:
        body += f'<h3>Not enough to go on</h3><ul class="note">{missing}</ul>'
    return f'<section id="recommendations"><h2>Recommendations</h2>{body}</section>'


def _findings_html(heatmap: ImpactHeatmap) -> str:
    if not heatmap.strongest:
        return '<p class="note">No hyperparameter correlates with a target at p &lt; 0.05.</p>'
    items = "".join(f"<li>{html.escape(f.description)}</li>" for f in heatmap.strongest)
    return f"<h3>Strongest effects (p &lt; 0.05)</h3><ul>{items}</ul>"


def _importance_html(views: RunViews, target: str) -> str:
    fanova = views.importance.get(target, {})
    ped_anova = views.importance_ped_anova.get(target, {})
    if not fanova:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(param)}</td><td>{value:.3f}</td>"
        f"<td>{_number(ped_anova.get(param))}</td></tr>"
        for param, value in fanova.items()
    )
    return f"<table><tr><th>param</th><th>fANOVA</th><th>PED-ANOVA</th></tr>{rows}</table>"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def write_pngs(
    views: RunViews, studies: ViewStudies, target: Path, *, seed: int = DEFAULT_SEED
) -> dict[str, Path]:
    """One PNG per view that has a figure (a view that could not be drawn gets none), by
    Optuna's matplotlib backend; view name -> file."""
    import warnings

    from healthopt.plots.style import save, style_context

    drawers = _drawers(views, studies, seed)
    written: dict[str, Path] = {}
    for name in VIEW_NAMES:
        spec = views.figures.get(name)
        draw = drawers.get(name)
        if spec is None or spec.figure is None or draw is None:
            continue
        # Optuna's matplotlib plots set a global style sheet and warn that they are
        # experimental: the rc context undoes the one, the filter quiets the other.
        with style_context(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figure = draw()
            figure.axes[0].set_title(spec.title)
            if name in _WIDE:  # Optuna's default size crowds many axes or a long legend
                width = max(10.0, 1.1 * len(studies.common_params) + 3)
                figure.set_size_inches(width if name == "parallel_coordinates" else 11.0, 6.0)
            written[name] = save(figure, target / f"{name}.png")
    return written


def _drawers(views: RunViews, studies: ViewStudies, seed: int) -> dict[str, Callable[[], Figure]]:
    import optuna.visualization.matplotlib as om
    from optuna.importance import FanovaImportanceEvaluator

    def history() -> Figure:
        drawn = [
            s for s in (studies.score, studies.accuracy, studies.health) if studies.completed(s)
        ]
        return _figure_of(om.plot_optimization_history(drawn, target_name="value"))

    def importance(study: Any) -> Callable[[], Figure]:
        return lambda: _figure_of(
            om.plot_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))
        )

    def parallel() -> Figure:
        return _figure_of(
            om.plot_parallel_coordinate(
                studies.score, params=list(studies.common_params), target_name="score"
            )
        )

    def pareto() -> Figure:
        assert studies.pareto is not None  # the view exists only in pareto runs
        return _figure_of(
            om.plot_pareto_front(studies.pareto, target_names=["val_accuracy", "health"])
        )

    drawers: dict[str, Callable[[], Figure]] = {
        "history": history,
        "importance_accuracy": importance(studies.accuracy),
        "importance_health": importance(studies.health),
        "parallel_coordinates": parallel,
        "pareto": pareto,
    }
    if views.heatmap is not None:
        heatmap = views.heatmap
        drawers["impact_heatmap"] = lambda: heatmap_png(heatmap)
    return drawers


def _figure_of(drawn: Any) -> Figure:
    """The matplotlib Figure behind what an Optuna plot returned (Axes, or an array of them)."""
    axes = drawn.flat[0] if hasattr(drawn, "flat") else drawn
    figure = axes.get_figure()
    assert figure is not None
    return figure


def heatmap_png(heatmap: ImpactHeatmap) -> Figure:
    """The impact heatmap in matplotlib: rho from -1 (blue... red) to 1, each cell labelled."""
    import numpy as np

    from healthopt.plots.style import figure

    rows, cols = len(heatmap.params), len(heatmap.targets)
    values = np.array(
        [[np.nan if rho is None else rho for rho in row] for row in heatmap.rho], dtype=float
    ).reshape(rows, cols)
    fig, ax = figure(size=(1.0 * cols + 4, 0.35 * rows + 2))
    image = ax.imshow(values, cmap="RdBu", vmin=-1.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(cols), heatmap.targets, rotation=45, ha="right")
    ax.set_yticks(range(rows), heatmap.params)
    for i in range(rows):
        for j in range(cols):
            if not np.isnan(values[i, j]):
                ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, label="Spearman rho")
    return fig
