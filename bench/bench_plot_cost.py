"""What the trial plots cost against the training they illustrate, and which figures cost most.

One fixed trial (digits, the default ModelConfig, `make run`'s 10 epochs, fixed seed) runs in
this process with its plots on, as every trial does under `--plots all`, and from it:
  fit        the trial's `timings.fit_seconds`
  plots      the trial's `timings.plots_seconds`: all trial figures (17 where every input
             exists), drawn by `draw_trial_plots` into the plots folder, plots.json included
  each       each figure's seconds as the trial drew it, from plots.json (`seconds`); the
             figures are drawn in forked processes side by side, so they overlap in time
Then the same figures are redrawn from the trial folder --repeats times in one process
(workers=1) and in one process per core, in turn, to show what drawing them side by side
gains on this machine (median wall and CPU seconds of the rounds; on a busy machine the CPU
seconds are the steadier figure).
Goal (issue 25): plots/fit <= 0.3 and plots under 1.5 s on digits; at the issue's start
1.0-1.7x (5.5-6.7 s against 3.5-7.2 s of fit).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from fixed_trial import run_fixed_trial

RATIO_GOAL = 0.3
SECONDS_GOAL = 1.5


def redraw_seconds(trial: Path, out: Path, repeats: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds to redraw every figure in one process and in one per core;
    the CPU counts the drawing processes too, so a busy machine shows what the work costs."""
    from healthopt.plots.trial import draw_trial_plots
    from healthopt.plots.trial.forked import available_cores

    ways = {"one process": 1, f"{available_cores()} processes": None}
    times: dict[str, list[tuple[float, float]]] = {way: [] for way in ways}
    for _ in range(repeats):
        for way, workers in ways.items():
            cpu, start = _cpu(), time.perf_counter()
            report = draw_trial_plots(trial, out, workers=workers)
            times[way].append((time.perf_counter() - start, _cpu() - cpu))
            if report.skipped:
                raise SystemExit(f"redrawn with {way}, figures were skipped: {report.skipped}")
    return {
        way: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
        for way, t in times.items()
    }


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3, help="rounds of the redraw")
    parser.add_argument("--top", type=int, default=5, help="slowest figures to print")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        result, wall = run_fixed_trial(workdir / "trial", args.epochs, workdir / "plots")
        report = json.loads((workdir / "plots" / "plots.json").read_text())
        redraw = redraw_seconds(workdir / "trial", workdir / "redraw", args.repeats)
    if "plots_seconds" not in result.timings:
        raise SystemExit(f"the trial drew no plots: {result.analysis.errors}")
    fit, plots = result.timings["fit_seconds"], result.timings["plots_seconds"]
    each: dict[str, float] = report["seconds"]

    print(f"\nfixed trial: digits, default ModelConfig, {args.epochs} epochs, plots on")
    print(f"trial wall {wall:.2f} s; figures written: {len(report['written'])}")
    for name, why in report["skipped"].items():
        print(f"  skipped {name}: {why}")
    print(f"{'':40} {'seconds':>8}")
    print(f"{'fit (model.fit)':40} {fit:8.2f}")
    print(f"{'plots (all figures, in the trial)':40} {plots:8.2f}")
    print(f"{'sum of the figures (plots.json)':40} {sum(each.values()):8.2f}")
    for way, (seconds, cpu) in redraw.items():
        label = f"redrawn in {way} (median of {args.repeats})"
        print(f"{label:40} {seconds:8.2f}  ({cpu:.2f} s of CPU)")
    print(f"plots / fit: {plots / fit:.2f}x")
    print("\nslowest figures, as the trial drew them (plots.json):")
    for name, seconds in sorted(each.items(), key=lambda kv: -kv[1])[: args.top]:
        share = seconds / sum(each.values())
        print(f"  {name:28} {seconds:6.3f} s  {share:5.0%} of the figures' seconds")

    met = plots / fit <= RATIO_GOAL and plots < SECONDS_GOAL
    print(
        f"\ngoal: plots / fit <= {RATIO_GOAL}x and plots < {SECONDS_GOAL} s on digits  "
        f"measured: {plots / fit:.2f}x, {plots:.2f} s (issue 25 start: 1.0-1.7x, 5.5-6.7 s)  "
        f"met: {'yes' if met else 'no'}"
    )


if __name__ == "__main__":
    main()
