"""What health-aware scoring costs a trial: health metrics, diagnostics, and the observer.

A fixed trial (digits, the default ModelConfig, 10 epochs like `make run`, fixed seed) is run
in this process after a warm-up trial, a few times, and measured side by side:
  health + diagnostics   the worker's work after training (health.json, diagnostics.json),
                         as a share of the trial's wall time; the goal is under 5%
  observer               the observer's own per-epoch work (probe gradients, activations,
                         profiled step, energy), as a share of the same wall time
  fit with vs without    the same model trained with the observer and with no callback,
                         which is what recording everything costs the training itself
  layer monitoring       seed 001's summary and HTML report each trial writes (no images),
                         as a share of the trial wall; and, apart, drawing the full report
                         with its images as the best trial gets it
Figures are medians over --repeats runs; the machine is shared, so read ratios, not seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from fixed_trial import run_fixed_trial
from healthopt.config import ModelConfig


def trial_figures(workdir: Path, epochs: int, label: str) -> dict[str, float]:
    result, wall = run_fixed_trial(workdir / label, epochs)
    records = json.loads((workdir / label / "observer.json").read_text())
    return {
        "wall": wall,
        "health": result.timings["health_seconds"],
        "diagnostics": result.timings["diagnostics_seconds"],
        "observer": sum(r["observer_overhead_seconds"] for r in records),
        "observer_first_epoch": records[0]["observer_overhead_seconds"],
        "monitoring": result.timings["monitoring_seconds"],
        "monitoring_images": monitoring_with_images(workdir / label),
    }


def monitoring_with_images(trial: Path) -> float:
    from healthopt.monitoring.folder import monitor_folder

    start = time.perf_counter()
    monitor_folder(trial, draw=True)
    return time.perf_counter() - start


def fit_seconds(epochs: int, with_observer: bool) -> float:
    from healthopt.data import load_dataset
    from healthopt.models.builder import InputSpec, ModelBuilder
    from healthopt.training import trainer

    dataset = load_dataset("digits", seed=0)
    trainer.set_seed(0)
    model = ModelBuilder(
        ModelConfig(), InputSpec(dataset.input_shape, dataset.num_classes, "image")
    ).build()
    if with_observer:
        return trainer.fit(model, dataset, epochs, ModelConfig().batch_size).fit_seconds
    start = time.perf_counter()
    model.fit(
        dataset.train.x,
        dataset.train.y,
        validation_data=(dataset.val.x, dataset.val.y),
        epochs=epochs,
        batch_size=ModelConfig().batch_size,
        verbose=0,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        trial_figures(workdir, args.epochs, "warm-up")
        runs = [trial_figures(workdir, args.epochs, f"run{i}") for i in range(args.repeats)]
    fits = [
        (fit_seconds(args.epochs, False), fit_seconds(args.epochs, True))
        for _ in range(args.repeats)
    ]

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    wall = median("wall")
    after = median("health") + median("diagnostics")
    print(
        f"\nfixed trial: digits, default ModelConfig, {args.epochs} epochs, "
        f"median of {args.repeats}"
    )
    print(f"trial wall time                    {wall:8.3f} s")
    print(f"health metrics                     {median('health'):8.3f} s")
    print(f"diagnostics engine                 {median('diagnostics'):8.3f} s")
    print(f"health + diagnostics / trial wall  {100 * after / wall:8.2f} %   (goal < 5%)")
    print(
        f"observer work / trial wall         {100 * median('observer') / wall:8.2f} %   "
        f"(first epoch, with tracing: {median('observer_first_epoch'):.3f} s)"
    )
    print(
        f"layer monitoring / trial wall      {100 * median('monitoring') / wall:8.2f} %   "
        f"(summary + report without images: {median('monitoring'):.3f} s)"
    )
    print(
        f"monitoring report with images      {median('monitoring_images'):8.3f} s   "
        f"({median('monitoring_images') / wall:.2f}x the trial wall; drawn for the best trial)"
    )
    bare = statistics.median(f for f, _ in fits)
    observed = statistics.median(f for _, f in fits)
    print(f"fit without observer               {bare:8.3f} s")
    print(f"fit with observer                  {observed:8.3f} s   ({observed / bare:.2f}x)")


if __name__ == "__main__":
    main()
