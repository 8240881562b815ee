"""One model's analysis as terminal text: per-layer table, calibration, dynamics, advice."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from healthopt.analysis.results import AnalysisResults


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _layer_table(results: AnalysisResults, model: str) -> Table | None:
    spectra = {s.name: s for s in results.spectral.get(model, [])}
    weights = {w.name: w for w in results.weights.get(model, [])}
    names = list(dict.fromkeys([*weights, *spectra]))
    if not names:
        return None
    table = Table(title=f"{model}: layers", title_justify="left", expand=False)
    for header in ("layer", "kind", "shape", "params", "L2", "sparsity", "health"):
        table.add_column(header, justify="left" if header in ("layer", "kind") else "right")
    for header in ("evals", "alpha", "stable rank", "entropy", "concentr."):
        table.add_column(header, justify="right")
    for name in names:
        w, s = weights.get(name), spectra.get(name)
        either = w or spectra[name]  # every name is a key of one of the two
        shape = either.shape
        table.add_row(
            escape(name),
            either.kind,
            "x".join(str(d) for d in shape),
            str(w.num_parameters) if w else "-",
            _num(w.l2_norm if w else None, 2),
            _num(w.sparsity if w else None, 3),
            _num(w.health_score if w else None, 2),
            str(s.num_evals) if s else "-",
            _num(s.alpha if s else None, 2),
            _num(s.stable_rank if s else None, 1),
            _num(s.entropy if s else None, 3),
            _num(s.concentration_score if s else None, 3),
        )
    return table


def print_analysis(
    results: AnalysisResults, model: str, console: Console, output_dir: Path | None
) -> None:
    info = results.model_info[model]
    console.print(
        f"[bold]{escape(model)}[/bold]  {info.parameters:,} parameters, {info.layers} layers"
    )
    table = _layer_table(results, model)
    if table is not None:
        console.print(table)
    summary = results.spectral_summary.get(model)
    if summary is not None:
        console.print(
            f"spectral: mean alpha {_num(summary.mean_alpha, 2)} over "
            f"{summary.layers_analyzed} layers ({summary.status})"
        )
        for line in summary.recommendations:
            console.print(f"  - {escape(line)}", soft_wrap=True)
    calibration = results.calibration.get(model)
    if calibration is not None:
        console.print(
            f"calibration on {calibration.num_samples} samples: accuracy "
            f"{_num(calibration.accuracy)}, ECE {_num(calibration.ece, 4)}, Brier "
            f"{_num(calibration.brier, 4)}, mean confidence {_num(calibration.mean_confidence)}"
            f", mean entropy {_num(calibration.mean_entropy)}"
        )
    flow = results.information_flow.get(model)
    if flow:
        ranks = ", ".join(
            f"{escape(f.name)} {_num(f.effective_rank, 1)}/{f.max_rank}" for f in flow
        )
        console.print(f"information flow (effective rank / max): {ranks}", soft_wrap=True)
    dynamics = results.training_dynamics.get(model)
    if dynamics is not None:
        console.print(
            f"training: {dynamics.epochs} epochs, converged after "
            f"{dynamics.epochs_to_convergence}, peak val accuracy "
            f"{_num(dynamics.peak_val_accuracy)} at epoch {dynamics.peak_epoch}, "
            f"overfitting index {_num(dynamics.overfitting_index, 4)}, final gap "
            f"{_num(dynamics.final_gap, 4)}"
        )
    for analysis, reason in results.skipped.get(model, {}).items():
        console.print(f"[dim]skipped {analysis}: {escape(reason)}[/dim]", soft_wrap=True)
    if output_dir is not None:
        console.print(f"wrote analysis_results.json and figures to {escape(str(output_dir))}")
