"""Cross-dataset transfer: accuracy of each mode's models on a related dataset whose labels
mean the same (digits <-> MNIST), adapted to the models' input shape.

The analysis never downloads: a keras dataset counts only when its cache file is already on
disk, and a study without one reports how to provide it instead of failing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from healthopt.data import IMAGE, DatasetError, lookup
from healthopt.data.corruptions import OOV_ID
from healthopt.records import Finite, Record
from healthopt.records.study import (
    ArmMode,
    Cell,
    ModuleData,
    ModuleOutcome,
    ResultFigure,
    ResultTable,
)
from healthopt.study.context import AnalysisContext
from healthopt.study.modules.across_runs import describe
from healthopt.study.modules.curves import (
    COMPARISON_COLUMNS,
    all_models,
    bars_figure,
    compare_modes,
    comparison_row,
    selected_models,
)

NAME = "transfer"
TITLE = "Cross-dataset transfer"
MAX_SAMPLES = 2000
# Datasets with the same labels: both are handwritten digits 0-9.
RELATED = {"digits": "mnist", "mnist": "digits"}
# Keras datasets readable offline from their cache file (arrays x_train, y_train, x_test, y_test).
KERAS_CACHE_FILES = {"mnist": "mnist.npz"}
OFFLINE = {"digits"}  # bundled with scikit-learn


class ModelTransfer(Record):
    """One model's accuracy on the transfer dataset next to its own validation accuracy."""

    label: str
    mode: ArmMode
    index: int
    val_accuracy: Finite
    holdout_accuracy: float
    transfer_accuracy: float
    transfer_ratio: Finite  # transfer / validation accuracy


class TransferData(ModuleData):
    source: str
    description: str
    samples: int
    samples_available: int
    dropped_unknown_labels: int
    original_shape: list[int]
    input_shape: list[int]
    resize: str | None
    channels: str | None
    remapped_tokens: int
    seed: int
    paired: bool
    selected: dict[ArmMode, str | None]  # each mode's selected model key
    models: dict[str, ModelTransfer]  # keyed by model key


@dataclass(frozen=True)
class Source:
    """A transfer dataset that can be read without a download."""

    name: str
    description: str
    modality: str
    fetch: Callable[[], tuple[np.ndarray, np.ndarray]]

    @property
    def short_name(self) -> str:
        """For titles: the file name of an npz:PATH, else the registered name."""
        return Path(self.name[len("npz:") :]).name if self.name.startswith("npz:") else self.name


@dataclass(frozen=True)
class Prepared:
    """Transfer samples adapted to the models' inputs, and what adapting them took."""

    x: np.ndarray
    y: np.ndarray
    available: int  # samples with a label the models know, before subsampling
    dropped_labels: int  # samples dropped for a label >= num_classes
    original_shape: tuple[int, ...]
    resize: str | None  # "box", "bilinear" or None
    channels: str | None  # "gray to RGB", "RGB to gray" or None
    remapped_tokens: int  # text: tokens beyond the vocabulary, mapped to OOV_ID


def keras_cache(name: str) -> Path:
    home = Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser()
    return home / "datasets" / KERAS_CACHE_FILES[name]


def resolve_source(configured: str | None, dataset_name: str) -> Source | str:
    """The transfer dataset to use, or the reason there is none."""
    name = configured or RELATED.get(dataset_name)
    if name is None:
        return (
            f"No related dataset with the same label meaning is known for {dataset_name}; "
            "provide one with --transfer-dataset npz:PATH (arrays x and y) to test transfer."
        )
    how = "Provide it with --transfer-dataset npz:PATH (arrays x and y)"
    if name.startswith("npz:") or name in OFFLINE:
        try:
            info = lookup(name)
        except DatasetError as exc:
            return f"The transfer dataset cannot be read: {exc}."
        return Source(name, info.description, info.modality, info.fetch)
    if name in KERAS_CACHE_FILES:
        path = keras_cache(name)
        if path.is_file():
            info = lookup(f"npz:{path}")
            title = lookup(name).description.split(" (")[0]
            return Source(name, f"{title}, from the keras cache {path}", info.modality, info.fetch)
        return (
            f"Cross-dataset transfer would test the {dataset_name} models on {name} "
            f"({lookup(name).description.split(' (')[0]}, the same labels), but {name} is not "
            f"downloaded ({path} does not exist) and the analysis never downloads data. "
            f"{how}, or fetch it once with keras "
            f"(python -c 'import keras; keras.datasets.{name}.load_data()')."
        )
    return (
        f"The transfer dataset {name} would need a download, which the analysis never starts. "
        f"{how}."
    )


def resize_images(x: np.ndarray, height: int, width: int) -> tuple[np.ndarray, str | None]:
    """Resize (N, H, W, C) floats: block averaging when shrinking, bilinear when enlarging."""
    from PIL import Image

    if x.shape[1:3] == (height, width):
        return x, None
    shrink = height <= x.shape[1] and width <= x.shape[2]
    method = Image.Resampling.BOX if shrink else Image.Resampling.BILINEAR
    out = np.empty((len(x), height, width, x.shape[3]), dtype=np.float32)
    for i, image in enumerate(x):
        for c in range(x.shape[3]):
            # A 2-D float32 array becomes a 32-bit float ("F") image: no rounding to 8 bits.
            plane = Image.fromarray(np.ascontiguousarray(image[..., c], dtype=np.float32))
            out[i, ..., c] = np.asarray(plane.resize((width, height), method))
    return np.clip(out, 0.0, 1.0), "box" if shrink else "bilinear"


def convert_channels(x: np.ndarray, channels: int) -> tuple[np.ndarray, str | None]:
    """Grayscale to RGB by repeating the channel, RGB to grayscale by averaging."""
    if x.shape[3] == channels:
        return x, None
    if channels == 3:
        return np.repeat(x, 3, axis=3), "gray to RGB"
    return x.mean(axis=3, keepdims=True), "RGB to gray"


def prepare(
    x: np.ndarray,
    y: np.ndarray,
    modality: str,
    input_shape: tuple[int, ...],
    num_classes: int,
    vocabulary_size: int,
    seed: int,
    limit: int = MAX_SAMPLES,
) -> Prepared | str:
    """Keep the samples with known labels, subsample `limit` of them (seeded), and adapt them
    to `input_shape`; a reason string when they cannot be adapted."""
    y = np.asarray(y).reshape(-1)
    if modality == IMAGE and x.ndim == 3:
        x = x[..., np.newaxis]
    original = tuple(int(d) for d in x.shape[1:])
    known = y < num_classes
    x, y = x[known], y[known]
    if len(y) == 0:
        return f"no transfer sample has a label below the models' {num_classes} classes"
    available = len(y)
    if available > limit:
        keep = np.sort(np.random.default_rng(seed).choice(available, limit, replace=False))
        x, y = x[keep], y[keep]
    resize = channels = None
    remapped = 0
    if modality == IMAGE:
        x, resize = resize_images(np.clip(x.astype(np.float32), 0.0, 1.0), *input_shape[:2])
        x, channels = convert_channels(x, input_shape[2])
    else:
        if x.shape[1:] != input_shape:
            return (
                f"the transfer sequences have length {x.shape[1]} but the models read "
                f"{input_shape[0]} tokens; text transfer needs sequences of the same length"
            )
        # Ids the embedding has never seen read as out-of-vocabulary words.
        beyond = x >= vocabulary_size
        remapped = int(beyond.sum())
        x = np.where(beyond, OOV_ID, x).astype(np.int32)
    return Prepared(x, y, available, int((~known).sum()), original, resize, channels, remapped)


def run(context: AnalysisContext) -> ModuleOutcome:
    if not context.comparable:
        return ModuleOutcome.unavailable(
            NAME, TITLE, "Transfer needs a completed model in both modes; a mode has none."
        )
    dataset = context.dataset
    source = resolve_source(context.config.transfer_dataset, dataset.name)
    if isinstance(source, str):
        return ModuleOutcome.unavailable(NAME, TITLE, source)
    try:
        x, y = source.fetch()
    except DatasetError as exc:
        return ModuleOutcome.unavailable(NAME, TITLE, f"The transfer dataset cannot be read: {exc}")
    if source.modality != dataset.modality:
        return ModuleOutcome.unavailable(
            NAME,
            TITLE,
            f"The transfer dataset {source.name} holds {source.modality} data but the study's "
            f"models read {dataset.modality} data.",
        )
    prepared = prepare(
        x,
        y,
        dataset.modality,
        dataset.input_shape,
        dataset.num_classes,
        dataset.vocabulary_size,
        context.seed,
    )
    if isinstance(prepared, str):
        return ModuleOutcome.unavailable(NAME, TITLE, f"Transfer to {source.name}: {prepared}.")
    return _evaluate(context, source, prepared)


def _evaluate(context: AnalysisContext, source: Source, prepared: Prepared) -> ModuleOutcome:
    models: dict[str, ModelTransfer] = {}
    for mut in all_models(context):
        accuracy = context.accuracy(mut, prepared.x, prepared.y, f"transfer/{source.name}")
        val = mut.val_accuracy
        models[mut.key] = ModelTransfer(
            label=mut.label,
            mode=mut.mode,
            index=mut.index,
            val_accuracy=val,
            holdout_accuracy=context.holdout_accuracy(mut),
            transfer_accuracy=accuracy,
            transfer_ratio=accuracy / val if val else None,
        )
    accuracy_values: dict[str, float | None] = {k: m.transfer_accuracy for k, m in models.items()}
    ratio_values = {k: m.transfer_ratio for k, m in models.items()}
    accuracy_cmp = compare_modes(context, "transfer accuracy", accuracy_values)
    ratio_cmp = compare_modes(context, "transfer ratio", ratio_values)
    adapted = _adaptation(prepared, context.dataset.input_shape)
    data = TransferData(
        source=source.name,
        description=source.description,
        samples=int(len(prepared.y)),
        samples_available=prepared.available,
        dropped_unknown_labels=prepared.dropped_labels,
        original_shape=list(prepared.original_shape),
        input_shape=list(context.dataset.input_shape),
        resize=prepared.resize,
        channels=prepared.channels,
        remapped_tokens=prepared.remapped_tokens,
        seed=int(context.seed),
        paired=context.paired,
        selected=selected_models(context),
        models=models,
    )
    selected = [models[m.key] for m in context.best.values() if m is not None]
    rows: list[list[Cell]] = [
        [m.label, m.val_accuracy, m.transfer_accuracy, m.transfer_ratio] for m in selected
    ]
    tables = [
        ResultTable(
            title=f"Transfer to {source.short_name} (mean over runs)",
            columns=COMPARISON_COLUMNS,
            rows=[
                comparison_row("Transfer accuracy", accuracy_cmp),
                comparison_row("Transfer ratio (transfer / validation accuracy)", ratio_cmp),
            ],
            note=f"{len(prepared.y)} samples of {source.description}; {adapted}.",
        ),
        ResultTable(
            title="Selected models",
            columns=["Model", "Validation accuracy", "Transfer accuracy", "Transfer ratio"],
            rows=rows,
        ),
    ]
    figure = bars_figure(
        context,
        [
            (accuracy_values, "Accuracy", f"Accuracy on {source.short_name}"),
            (ratio_values, "Transfer / validation accuracy", "Transfer ratio"),
        ],
        "transfer_accuracy.png",
        f"Cross-dataset transfer to {source.short_name}",
    )
    summary = [
        f"Every model was tested on {len(prepared.y)} samples of {source.description} ({adapted}).",
        describe(accuracy_cmp, "Transfer accuracy"),
        describe(ratio_cmp, "Transfer ratio (transfer accuracy / validation accuracy)"),
        "Selected models: " + "; ".join(_selected_phrase(m) for m in selected) + ".",
    ]
    return ModuleOutcome(
        name=NAME,
        title=TITLE,
        summary=summary,
        data=data,
        tables=tables,
        figures=[
            ResultFigure(
                path=figure,
                caption=f"Accuracy of every model on {source.short_name} and its ratio to the "
                "model's validation accuracy; dashed lines are mode means, hatched bars the "
                "selected models.",
            )
        ],
        tests=[c.record() for c in (accuracy_cmp, ratio_cmp) if c is not None],
    )


def _selected_phrase(model: ModelTransfer) -> str:
    phrase = f"{model.label} {model.transfer_accuracy:.3f}"
    if model.transfer_ratio is None:
        return phrase
    return f"{phrase} ({model.transfer_ratio:.0%} of its validation accuracy)"


def _adaptation(prepared: Prepared, input_shape: tuple[int, ...]) -> str:
    """How the samples were adapted, in words."""
    steps = []
    shape = "x".join(str(d) for d in prepared.original_shape)
    target = "x".join(str(d) for d in input_shape)
    if prepared.resize:
        how = "block averaging" if prepared.resize == "box" else "bilinear interpolation"
        steps.append(f"resized from {shape} to {target} by {how}")
    if prepared.channels:
        steps.append(f"converted {prepared.channels}")
    if prepared.remapped_tokens:
        steps.append(f"{prepared.remapped_tokens} out-of-vocabulary tokens mapped to {OOV_ID}")
    if prepared.dropped_labels:
        steps.append(f"{prepared.dropped_labels} samples with unknown labels dropped")
    return "; ".join(steps) if steps else f"used as they are ({target})"
