"""What the trial plots cost against the training they illustrate, and which figures cost most.

One fixed trial (digits, the default ModelConfig, `make run`'s 10 epochs, fixed seed) runs in
this process with its plots on, as every trial does under `--plots all`, and from it:
  fit        the trial's `timings.fit_seconds`
  plots      the trial's `timings.plots_seconds`: all trial figures (17 where every input
             exists), drawn by `draw_trial_plots` into the plots folder, plots.json included
  each       every figure drawn alone from the same trial folder with
             `draw_trial_plots(only=[name])` (its inputs read afresh, as the first figure
             needing them reads them in the trial), median of --repeats rounds taken in turn
The trial does not time its figures one by one, hence the redraw. Goal (issue 25): plots/fit
<= 0.3 and plots under 1.5 s on digits; today 1.0-1.7x (5.5-6.7 s against 3.5-7.2 s of fit).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from fixed_trial import run_fixed_trial

RATIO_GOAL = 0.3
SECONDS_GOAL = 1.5


def figure_seconds(trial: Path, out: Path, names: list[str], repeats: int) -> dict[str, float]:
    """Median seconds to draw each figure alone, the figures taken in turn each round."""
    from healthopt.plots.trial import draw_trial_plots

    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeats):
        for name in names:
            start = time.perf_counter()
            report = draw_trial_plots(trial, out, only=[name])
            times[name].append(time.perf_counter() - start)
            if report.skipped:
                raise SystemExit(f"{name} was drawn in the trial but not alone: {report.skipped}")
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3, help="rounds of the per-figure redraw")
    parser.add_argument("--top", type=int, default=5, help="slowest figures to print")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        result, wall = run_fixed_trial(workdir / "trial", args.epochs, workdir / "plots")
        report = json.loads((workdir / "plots" / "plots.json").read_text())
        drawn = report["written"]
        each = figure_seconds(workdir / "trial", workdir / "redraw", drawn, args.repeats)
    if "plots_seconds" not in result.timings:
        raise SystemExit(f"the trial drew no plots: {result.analysis.errors}")
    fit, plots = result.timings["fit_seconds"], result.timings["plots_seconds"]

    print(f"\nfixed trial: digits, default ModelConfig, {args.epochs} epochs, plots on")
    print(f"trial wall {wall:.2f} s; figures written: {len(report['written'])}")
    for name, why in report["skipped"].items():
        print(f"  skipped {name}: {why}")
    print(f"{'':34} {'seconds':>8}")
    print(f"{'fit (model.fit)':34} {fit:8.2f}")
    print(f"{'plots (all figures, in the trial)':34} {plots:8.2f}")
    print(f"{'sum of each figure drawn alone':34} {sum(each.values()):8.2f}")
    print(f"plots / fit: {plots / fit:.2f}x")
    print(f"\nslowest figures, each drawn alone (median of {args.repeats}):")
    for name, seconds in sorted(each.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {name:28} {seconds:6.3f} s  {seconds / plots:5.0%} of the trial's plots")

    met = plots / fit <= RATIO_GOAL and plots < SECONDS_GOAL
    print(
        f"\ngoal: plots / fit <= {RATIO_GOAL}x and plots < {SECONDS_GOAL} s on digits  "
        f"measured: {plots / fit:.2f}x, {plots:.2f} s (issue 25 start: 1.0-1.7x, 5.5-6.7 s)  "
        f"met: {'yes' if met else 'no'}"
    )


if __name__ == "__main__":
    main()
