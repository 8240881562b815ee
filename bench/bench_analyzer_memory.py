"""Peak memory of the model analyzer on a 25M-parameter model (issue 4: under 4 GiB).

The model is a CNN on 32x32x3 images with a wide dense head (conv 32/64/128, dense 2048 and
4096, 10 classes: 25.3M parameters), untrained, with a crafted 20-epoch history. Each row runs
in a fresh process so one run's freed-but-kept memory cannot hide in the next one's figures:
  baseline    resident memory after TensorFlow, the model and the data are in place
  peak        highest resident memory sampled (every 5 ms) while `analyze()` ran
  ru_maxrss   the process's lifetime peak from the kernel (exact; includes the model build)
One row per analysis alone (figures off), then everything with the default config (figures
on), which is the run the 4 GiB target applies to. Measured on the CPU: GPU memory, where
there is a GPU, is not in these figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ANALYSES = ("weights", "spectral", "calibration", "information_flow", "training_dynamics")
TARGET_MIB = 4096
MIB = 1024 * 1024


def build_model():
    import keras

    keras.utils.set_random_seed(0)
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1"),
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(name="pool1"),
            layers.Conv2D(128, 3, padding="same", activation="relu", name="conv3"),
            layers.MaxPooling2D(name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(2048, activation="relu", name="dense1"),
            layers.Dense(4096, activation="relu", name="dense2"),
            layers.Dense(10, activation="softmax", name="out"),
        ]
    )


def history(epochs: int = 20) -> dict[str, list[float]]:
    t = [i / epochs for i in range(epochs)]
    return {
        "loss": [2.3 * (1 - 0.8 * x) for x in t],
        "val_loss": [2.3 * (1 - 0.6 * x) + 0.3 * x * x for x in t],
        "accuracy": [0.1 + 0.85 * x for x in t],
        "val_accuracy": [0.1 + 0.7 * x - 0.1 * x * x for x in t],
    }


class PeakSampler:
    """Resident memory of this process, sampled in a thread while a block runs."""

    def __init__(self, interval: float = 0.005) -> None:
        import psutil

        self.process = psutil.Process()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def child(run: str, samples: int, data_size: int, out_dir: Path) -> dict[str, float]:
    """One measured run in this process; returns its figures."""
    import numpy as np
    import psutil

    from healthopt.analysis.analyzer import AnalysisConfig, DataInput, ModelAnalyzer

    model = build_model()
    rng = np.random.default_rng(0)
    data = DataInput(
        rng.random((data_size, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, data_size)
    )
    if run == "all":
        config = AnalysisConfig(n_samples=samples, verbose=False)
    else:
        toggles = {f"analyze_{name}": name == run for name in ANALYSES}
        config = AnalysisConfig(n_samples=samples, save_plots=False, verbose=False, **toggles)
    analyzer = ModelAnalyzer({"cnn25m": model}, {"cnn25m": history()}, config, out_dir)
    baseline = psutil.Process().memory_info().rss
    start = time.perf_counter()
    with PeakSampler() as sampler:
        results = analyzer.analyze(data)
    seconds = time.perf_counter() - start
    problems = {a: r for a, r in results.skipped["cnn25m"].items() if a in config.enabled}
    return {
        "parameters": model.count_params(),
        "baseline": baseline / MIB,
        "peak": sampler.peak / MIB,
        "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
        "seconds": seconds,
        "figures": len(results.figures),
        "problems": problems,
    }


def measure(run: str, samples: int, data_size: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, __file__, "--child", run]
        cmd += ["--samples", str(samples), "--data-size", str(data_size), "--out", tmp]
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{run}: child failed\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000, help="AnalysisConfig.n_samples")
    parser.add_argument("--data-size", type=int, default=2000, help="samples in the data given")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.samples, args.data_size, args.out)))
        return
    rows = {run: measure(run, args.samples, args.data_size) for run in (*ANALYSES, "all")}
    params = rows["all"]["parameters"]
    print(
        f"\nanalyzer memory: CNN with dense head, {params / 1e6:.1f}M parameters, "
        f"{args.samples} of {args.data_size} samples (32x32x3), 10 classes, CPU"
    )
    print(
        f"{'run':<22}{'baseline MiB':>13}{'peak MiB':>10}{'added MiB':>11}"
        f"{'ru_maxrss MiB':>15}{'seconds':>9}"
    )
    for run, row in rows.items():
        label = "all, figures on" if run == "all" else f"{run} only"
        print(
            f"{label:<22}{row['baseline']:13.0f}{row['peak']:10.0f}"
            f"{row['peak'] - row['baseline']:11.0f}{row['ru_maxrss']:15.0f}{row['seconds']:9.1f}"
        )
        if row["problems"]:
            print(f"  not run: {row['problems']}")
    worst = max(rows["all"]["peak"], rows["all"]["ru_maxrss"])
    verdict = "met" if worst < TARGET_MIB else "MISSED"
    print(f"target: peak < {TARGET_MIB} MiB for the full run: {verdict} ({worst:.0f} MiB)")
    print(f"figures written by the full run: {rows['all']['figures']}")


if __name__ == "__main__":
    main()
