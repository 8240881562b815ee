"""Your own model and search space: `build(hp)` with a hyperparameter healthopt's spaces lack.

`build(hp)` makes an uncompiled Keras model; `hp` (healthopt.hypermodel.HyperParameters, Keras
Tuner's method names) draws each value from the Optuna trial as the build asks for it:

    hp.Int(name, min_value, max_value, step=None, sampling="linear" | "log", default=None)
    hp.Float(name, min_value, max_value, step=None, sampling="linear" | "log", default=None)
    hp.Choice(name, values, default=None), hp.Boolean(name, default=False), hp.Fixed(name, value)
    with hp.conditional_scope(parent_name, parent_values): ...   (or a plain `if`)
    hp.input_shape, hp.num_classes: the dataset's sample shape and class count

healthopt compiles the model with the optimizer, learning rate and schedule it searches, and
searches the batch size; a build may draw batch_size, epochs, optimizer, learning_rate or
lr_schedule itself to fix or re-range them (hp.Fixed, or hp.Choice with its own values).
From the command line the same build runs as

    healthopt optimize --model mypkg.models:build --dataset digits

where mypkg.models is importable by every trial worker (here the script's own processes
re-import it, so keep the `if __name__ == "__main__":` guard).

    python examples/custom_hypermodel.py --trials 5 --epochs 5 --out runs
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras

from healthopt import OptimizationConfig
from healthopt.hypermodel import HyperParameters
from healthopt.optimize import ModelOptimizer


def residual_block(x: keras.KerasTensor, filters: int) -> keras.KerasTensor:
    """Two 3x3 convolutions added back onto their input (same width, so no projection)."""
    y = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    y = keras.layers.Conv2D(filters, 3, padding="same")(y)
    return keras.layers.Activation("relu")(keras.layers.Add()([x, y]))


def build(hp: HyperParameters) -> keras.Model:
    """A small residual CNN whose depth is searched: 1 to 3 residual blocks."""
    blocks = hp.Int("residual_blocks", 1, 3)
    filters = hp.Choice("filters", [8, 16])
    inputs = keras.Input(shape=hp.input_shape)
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(inputs)
    for _ in range(blocks):
        x = residual_block(x, filters)
    x = keras.layers.GlobalAveragePooling2D()(x)
    if hp.Boolean("head_dropout"):
        with hp.conditional_scope("head_dropout", [True]):
            x = keras.layers.Dropout(hp.Float("dropout_rate", 0.1, 0.5))(x)
    outputs = keras.layers.Dense(hp.num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)  # uncompiled: healthopt compiles it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("optimization_results"))
    args = parser.parse_args()

    config = OptimizationConfig(
        dataset_name="digits",
        trials=args.trials,
        max_epochs_per_trial=args.epochs,
        output_dir=str(args.out),
        plot_generation="none",
    )
    result = ModelOptimizer(config, hypermodel=build).optimize_model()
    best = next((t for t in result.trials if t.number == result.best_trial), None)
    if best is None:
        raise SystemExit(f"no trial completed; see {result.results_path}")
    print(f"best trial {best.number}: val accuracy {best.metrics.val_accuracy:.4f}")
    print(f"  residual_blocks: {best.params.get('residual_blocks')}")
    print(f"  params: {best.params}")
    print(f"  health: {best.health.to_json()}")
    print(f"  diagnostics score: {best.diagnostics.health_score}/100")
    print(f"results: {result.results_path}")


if __name__ == "__main__":
    main()
