"""Your own training loop: a plain `model.fit` with healthopt's HealthMonitor attached.

Trains a small MLP on scikit-learn's digits, then asks `healthopt.health.evaluate` for the six
health components and the diagnostics report. With `--out DIR` the records are saved where
`healthopt diagnose DIR` reads them (observer.json, architecture.json), with evaluation.json
beside them.

    python examples/callback_in_fit.py --epochs 5 --out runs/digits-mlp
    healthopt diagnose runs/digits-mlp
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from healthopt.console import output_console
from healthopt.diagnostics.render import print_report
from healthopt.health import evaluate
from healthopt.keras import HealthMonitor

BATCH_SIZE = 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", type=Path, help="save the records here for healthopt diagnose")
    args = parser.parse_args()

    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")  # 8x8 pixels, 0..16, flattened to 64 values
    x_train, x_val, y_train, y_val = train_test_split(
        x, digits.target, test_size=0.25, stratify=digits.target, random_state=0
    )
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])

    # A fixed probe batch: per-layer gradients and activations are measured on it each epoch.
    monitor = HealthMonitor((x_train[:128], y_train[:128]), batch_size=BATCH_SIZE)
    model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=args.epochs,
        validation_data=(x_val, y_val),  # convergence quality reads the validation loss
        callbacks=[monitor],
        verbose=0,
    )

    result = evaluate(monitor.records, model, (x_val, y_val), train_data=(x_train, y_train))
    print(f"val accuracy {result.val_accuracy:.4f} (chance {result.chance_accuracy:.4f})")
    reasons = result.health.reasons()
    for name, value in result.health.values().to_json().items():
        shown = "n/a" if value is None else f"{value:.3f}"
        print(f"  {name:22} {shown}  {reasons.get(name, '')}".rstrip())
    print(f"diagnostics score {result.diagnostics.health_score}/100")

    if args.out is not None:
        monitor.save(args.out)
        (args.out / "evaluation.json").write_text(json.dumps(result.to_dict(), indent=2))
        print(f"saved observer.json and architecture.json to {args.out}")
        print(f"the report below is what `healthopt diagnose {args.out}` prints, plus the")
        print("did-not-learn check, which needs the chance level evaluate() was given:")
        print_report(result.diagnostics, output_console(), str(args.out))


if __name__ == "__main__":
    main()
