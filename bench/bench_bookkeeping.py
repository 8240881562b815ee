"""Per-trial bookkeeping at scale: what the optimizer spends around each trial, trial 1 to 1,000.

One ModelOptimizer run of N trials (default 1,000; digits, the default search space and TPE,
fixed seed, 1 epoch, plots off) on the test suite's ScriptedExecutor (tests/optimize/
scripted.py) with instant trials: each writes the files a real trial leaves (history,
architecture, model stand-in, result.json) and completes with a made-up accuracy, so what is
left is the optimizer's own work per trial, timed from the run's events:
  per trial  from one trial_finished event to the next (for the first, from run_started):
             ask, the spec and submit, the scripted trial's files, tell, results.json
  ask        trial_finished of the one before -> this one's trial_started (ask, spec, submit)
  after      trial_started -> trial_finished (the trial's files, tell, results.json, event)
The run's baselines (a thread at its start) are awaited at run_started, so their CPU does not
land on the first trials. Windows: the first 20 and the last 20 trials, and 11 trials around
trial 10 and trial N for the growth ratio. Goal (issue 25): median <= 30 ms and trial N /
trial 10 <= 1.5; today 62 ms at the start, 223 ms at the end, results.json 3.3 MB.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from healthopt.config import OptimizationConfig
from healthopt.optimize import ModelOptimizer
from healthopt.optimize.baselines import BASELINES_FILE
from healthopt.records import RunEvent, RunStartedEvent, TrialFinishedEvent, TrialStartedEvent
from healthopt.records.health import HEALTH_COMPONENTS

# The scripted executor is a test helper; tests/ is a namespace package off the root.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.optimize.scripted import Outcome, ScriptedExecutor, complete  # noqa: E402

MEDIAN_GOAL_MS = 30.0
GROWTH_GOAL = 1.5
WINDOW = 20
BASELINES_WAIT_S = 120.0


def outcome(spec) -> Outcome:
    """A spread of accuracies, so TPE sees a real ranking, and every health component set."""
    accuracy = 0.5 + 0.45 * ((spec.trial_number * 37) % 101) / 100
    return complete(accuracy, **dict.fromkeys(HEALTH_COMPONENTS, 0.8))


class Clock:
    """perf_counter times of the run's events: when it started, and each trial's start and end."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.run_started = 0.0
        self.started: dict[int, float] = {}
        self.finished: dict[int, float] = {}

    def __call__(self, event: RunEvent) -> None:
        if isinstance(event, RunStartedEvent):
            deadline = time.monotonic() + BASELINES_WAIT_S
            while not (self.run_dir / BASELINES_FILE).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.run_started = time.perf_counter()
        elif isinstance(event, TrialStartedEvent):
            self.started[event.trial_number] = time.perf_counter()
        elif isinstance(event, TrialFinishedEvent):
            self.finished[event.trial_number] = time.perf_counter()

    def per_trial(self) -> tuple[list[float], list[float], list[float]]:
        """Seconds per trial in trial order: whole, ask (to trial_started), after (to finished)."""
        whole, ask, after = [], [], []
        previous = self.run_started
        for number in sorted(self.finished):
            whole.append(self.finished[number] - previous)
            ask.append(self.started[number] - previous)
            after.append(self.finished[number] - self.started[number])
            previous = self.finished[number]
        return whole, ask, after


def run(workdir: Path, trials: int) -> tuple[Clock, int]:
    config = OptimizationConfig(
        dataset_name="digits",
        trials=trials,
        max_epochs_per_trial=1,
        seed=0,
        output_dir=str(workdir),
        run_name="bench",
        plot_generation="none",
        pruner="none",
    )
    clock = Clock(workdir / "bench")
    executor = ScriptedExecutor(outcome, on_event=clock)
    try:
        ModelOptimizer(config, executor=executor, on_event=clock).optimize_model()
    finally:
        executor.shutdown()
    return clock, (workdir / "bench" / "results.json").stat().st_size


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    args = parser.parse_args()
    if args.trials < 2 * WINDOW:
        parser.error(f"--trials must be at least {2 * WINDOW} (two windows of {WINDOW})")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        clock, results_bytes = run(Path(tmp), args.trials)
    wall = time.perf_counter() - start
    whole, ask, after = clock.per_trial()
    if len(whole) != args.trials:
        raise SystemExit(f"{len(whole)} of {args.trials} trials finished")

    print(f"\nbookkeeping: {args.trials} instant scripted trials (digits, TPE, 1 epoch, plots off)")
    print(f"run wall {wall:.1f} s; results.json at the end: {results_bytes / 1e6:.2f} MB")
    print(f"{'median ms':24} {'per trial':>10} {'ask':>8} {'after':>8}")
    first, last = slice(0, WINDOW), slice(-WINDOW, None)
    for name, part in (
        (f"first {WINDOW} trials", first),
        (f"last {WINDOW} trials", last),
        (f"all {args.trials} trials", slice(None)),
    ):
        print(f"{name:24} {ms(whole[part]):10.1f} {ms(ask[part]):8.1f} {ms(after[part]):8.1f}")
    # 11 trials around trial 10 (1-based: indices 4..14) and the last 11, ending at trial N.
    near_10, near_n = ms(whole[4:15]), ms(whole[-11:])
    growth = near_n / near_10
    print(f"trial {args.trials} / trial 10 (medians of 11 around each): {growth:.2f}x")

    median = ms(whole)
    met = median <= MEDIAN_GOAL_MS and growth <= GROWTH_GOAL
    print(
        f"\ngoal: median <= {MEDIAN_GOAL_MS:.0f} ms and trial {args.trials} / trial 10 <= "
        f"{GROWTH_GOAL}  measured: {median:.1f} ms, {growth:.2f}x (issue 25 start: 62 ms -> "
        f"223 ms, 3.3 MB at 1,000)  met: {'yes' if met else 'no'}"
    )


if __name__ == "__main__":
    main()
