"""What spectral analysis costs: ours against WeightWatcher and the bare LAPACK floor.

Three fixed models (seeded, untrained: the cost does not depend on training), each timed in
this process as
  floor     np.linalg.eigvalsh of the smaller Gram matrix (float64) of every weight matrix
            the analyses cover, one call per matrix, on weights already read out of the
            model: the eigenvalues and nothing else
  records   healthopt.analysis.spectral.analyze_records on those same read-out weights:
            eigenvalues, power-law fits and every metric (the floor's starting point)
  ours      healthopt.analysis.spectral.analyze(model): the same, reading the weights out of
            Keras first (WeightWatcher's starting point)
  WW        weightwatcher.WeightWatcher(model=model).analyze() with its defaults
Both analyses use WeightWatcher's default min_evals (8), so all of them see the same matrices.
Figures are medians over at least --repeats rounds (more for the small models), all columns
taken in turn, so load swings on the shared machine hit them alike: read ratios, not seconds.
BLAS runs on --threads threads (default 1): on a 2-core machine shared with other jobs,
multi-threaded OpenBLAS spins against them and its timings swing by 10x and more.
Goal (issue 4): ours within 1.25x of the floor, and at least 2.5x faster than WeightWatcher.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

MIN_EVALS = 8  # WeightWatcher's default, so every column covers the same matrices
ROUNDS_SECONDS = 4.0


def build_models() -> dict[str, object]:
    import keras

    keras.utils.set_random_seed(0)
    layers = keras.layers
    return {
        "small MLP 784-256-128-10": keras.Sequential(
            [keras.Input((784,)), layers.Dense(256), layers.Dense(128), layers.Dense(10)]
        ),
        "small CNN 2xConv2D+Dense": keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                layers.Conv2D(32, 3),
                layers.Conv2D(64, 3),
                layers.MaxPooling2D(2),
                layers.Flatten(),
                layers.Dense(128),
                layers.Dense(10),
            ]
        ),
        "wide MLP 784-2048-2048-10": keras.Sequential(
            [keras.Input((784,)), layers.Dense(2048), layers.Dense(2048), layers.Dense(10)]
        ),
    }


def lapack_floor(matrices: list[np.ndarray]) -> None:
    for w in matrices:
        a = w.astype(np.float64)
        np.linalg.eigvalsh(a.T @ a if a.shape[0] >= a.shape[1] else a @ a.T)


def weightwatcher(model: object) -> None:
    import weightwatcher as ww

    with contextlib.redirect_stdout(io.StringIO()):  # it prints "SMALL N PL FIT"
        ww.WeightWatcher(model=model).analyze()


def interleaved_medians(fns: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median seconds of each function, run in turn so load swings hit all of them alike.

    Fast functions get more rounds (about ROUNDS_SECONDS in all, at least `repeats`), since
    a millisecond timing on a shared machine needs many samples.
    """
    for fn in fns:
        fn()  # warm-up: imports, first-call allocations
    start = time.perf_counter()
    for fn in fns:
        fn()
    one_round = max(time.perf_counter() - start, 1e-6)
    rounds = max(repeats, min(300, int(ROUNDS_SECONDS / one_round)))
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for fn, store in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            store.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def measure(model: object, repeats: int) -> tuple[float, float, float, float]:
    from healthopt.analysis.layers import weight_records
    from healthopt.analysis.spectral import analyze, analyze_records, num_evals

    records = [r for r in weight_records(model) if num_evals(r) >= MIN_EVALS]
    matrices = [m for r in records for m in r.matrices()]
    floor, from_records, from_model, theirs = interleaved_medians(
        [
            lambda: lapack_floor(matrices),
            lambda: analyze_records(records, min_evals=MIN_EVALS),
            lambda: analyze(model, min_evals=MIN_EVALS),
            lambda: weightwatcher(model),
        ],
        repeats,
    )
    return floor, from_records, from_model, theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads; 0: as installed")
    args = parser.parse_args()
    logging.getLogger("weightwatcher").setLevel(logging.ERROR)
    # threadpoolctl limits only the BLAS libraries already loaded: load WeightWatcher's
    # (SciPy's) and TensorFlow's before entering the limits.
    import keras  # noqa: F401
    import weightwatcher  # noqa: F401

    limits = None if args.threads == 0 else args.threads
    with threadpool_limits(limits=limits):
        rows = [(name, *measure(model, args.repeats)) for name, model in build_models().items()]
    rows.append(("all three models", *(sum(r[i] for r in rows) for i in range(1, 5))))

    threads = "as installed" if limits is None else str(limits)
    print(
        f"\nspectral analysis: median seconds of >= {args.repeats} interleaved rounds, "
        f"BLAS threads: {threads}"
    )
    header = ("model", "floor", "records", "ours", "WW", "records/floor", "ours/floor", "WW/ours")
    print("{:27s} {:>8s} {:>8s} {:>8s} {:>8s} {:>14s} {:>11s} {:>8s}".format(*header))
    for name, floor, from_records, mine, theirs in rows:
        print(
            f"{name:27s} {floor:8.4f} {from_records:8.4f} {mine:8.4f} {theirs:8.4f} "
            f"{from_records / floor:13.2f}x {mine / floor:10.2f}x {theirs / mine:7.2f}x"
        )
    print("goal: ours/floor <= 1.25x, WW/ours >= 2.5x")


if __name__ == "__main__":
    main()
