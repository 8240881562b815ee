"""Tabular data through healthopt's built-in MLP search space.

Writes a small synthetic classification table (scikit-learn's make_classification) as an .npz
file, `x` float32 (samples, features) and `y` integer labels, then optimizes on it. A 2-D float
`x` selects the tabular modality and its built-in MLP space; the same file works from the
command line: `healthopt optimize --dataset npz:PATH`.

    python examples/tabular.py --trials 5 --epochs 5 --out runs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification

from healthopt import OptimizationConfig
from healthopt.optimize import ModelOptimizer


def write_table(path: Path, samples: int = 600) -> Path:
    """A 3-class table of 12 features, 6 of them informative; the same file every time."""
    x, y = make_classification(
        n_samples=samples,
        n_features=12,
        n_informative=6,
        n_redundant=2,
        n_classes=3,
        random_state=0,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x=x.astype(np.float32), y=y.astype(np.int64))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("optimization_results"))
    args = parser.parse_args()

    table = write_table(args.out / "tabular.npz")
    config = OptimizationConfig(
        dataset_name=f"npz:{table}",
        trials=args.trials,
        max_epochs_per_trial=args.epochs,
        output_dir=str(args.out),
        plot_generation="none",
    )
    result = ModelOptimizer(config).optimize_model()
    best = next((t for t in result.trials if t.number == result.best_trial), None)
    if best is None:
        raise SystemExit(f"no trial completed; see {result.results_path}")
    print(f"best trial {best.number}: val accuracy {best.metrics.val_accuracy:.4f}")
    print(f"  params: {best.params}")
    print(f"  health: {best.health.to_json()}")
    print(f"  diagnostics score: {best.diagnostics.health_score}/100")
    print(f"results: {result.results_path}")


if __name__ == "__main__":
    main()
