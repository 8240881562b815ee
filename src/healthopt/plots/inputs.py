"""The arrays a trial keeps for its plots, so plots are drawn later without TensorFlow.

A trial worker holds the model only while it runs; the plots that need more than the JSON
records (confusion matrix, calibration, activation maps, weight histograms) read the small
`plot_inputs.npz` this module writes instead. It is built from neutral records
(`healthopt.analysis.records`), so this module imports no TensorFlow either.

Size bound. Every part is capped, so the file never grows with the model or the data set:

- validation probabilities: float16, at most `MAX_PROB_ROWS` rows and `MAX_PROB_VALUES`
  values (rows x classes; rows beyond that are dropped from the end), plus int32 labels,
  one per kept row;
- sample inputs: at most `MAX_SAMPLES` rows and `MAX_SAMPLE_VALUES` values in all, float16
  for images (spatially strided when one image alone is larger), int32 for token sequences;
- feature maps: at most `MAX_MAP_LAYERS` conv layers x `MAX_MAP_SAMPLES` samples x
  `MAX_MAP_CHANNELS` channels, each (layer, sample) spatially strided down to at most
  `MAX_MAP_VALUES` values, float16;
- weights: at most `MAX_PARAM_LAYERS` weight tensors (evenly spread over the model when
  there are more), each with at most `MAX_KERNEL_VALUES` kernel and `MAX_BIAS_VALUES` bias
  values, drawn without replacement by a fixed-seed generator (same model, same sample),
  float16.

So the arrays hold at most `WORST_CASE_BYTES` (3.6 MB) before compression, whatever the
model or data set; the compressed file is smaller still. Measured: digits CNN trials write
27-69 kB, a small BiLSTM text trial 20-145 kB.
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.npyio import NpzFile

from healthopt.analysis.records import LayerOutput, WeightRecord
from healthopt.records import Record, SchemaError

FORMAT_VERSION = 1
MAX_PROB_VALUES = 500_000
MAX_PROB_ROWS = 20_000
MAX_SAMPLES = 8
MAX_SAMPLE_VALUES = 200_000
MAX_MAP_LAYERS = 4
MAX_MAP_SAMPLES = 2
MAX_MAP_CHANNELS = 16
MAX_MAP_VALUES = 32_768
MAX_PARAM_LAYERS = 24
MAX_KERNEL_VALUES = 20_000
MAX_BIAS_VALUES = 5_000
SAMPLING_SEED = 0
_F16_MAX = float(np.finfo(np.float16).max)
# float16 (2 bytes) everywhere but labels and token ids (int32, 4 bytes).
WORST_CASE_BYTES = (
    MAX_PROB_VALUES * 2
    + MAX_PROB_ROWS * 4
    + MAX_SAMPLE_VALUES * 4
    + MAX_MAP_LAYERS * MAX_MAP_SAMPLES * MAX_MAP_VALUES * 2
    + MAX_PARAM_LAYERS * (MAX_KERNEL_VALUES + MAX_BIAS_VALUES) * 2
)
# Keras layers whose output is the activated conv map the user wants to see.
_ACTIVATION_KINDS = ("activation", "relu", "leakyrelu", "elu", "prelu", "softmax")


class PlotInputsError(ValueError):
    """A plot_inputs.npz file is missing, corrupt, or from an unknown format version."""


class _MapMeta(Record):
    layer: str
    kind: str
    shape: tuple[int, ...]
    stride: int


class _ParameterMeta(Record):
    name: str
    layer: str
    kind: str
    role: str
    shape: tuple[int, ...]
    kernel_total: int
    bias_total: int


class _Meta(Record):
    """The file's "meta" entry: what each array is (a JSON string beside the arrays)."""

    version: int
    class_names: list[str] = []
    feature_maps: list[_MapMeta] = []
    parameters: list[_ParameterMeta] = []


@dataclass(frozen=True, eq=False)
class FeatureMap:
    """One conv layer's output for the first samples: values (samples, H', W', channels).

    `shape` is the layer's full (H, W, C) output; `stride` > 1 when the map was subsampled
    spatially to stay within the size bound.
    """

    layer: str
    kind: str
    values: np.ndarray
    shape: tuple[int, ...]
    stride: int


@dataclass(frozen=True, eq=False)
class ParameterSample:
    """Sampled values of one weight tensor (and its bias), with the full sizes they came from."""

    name: str
    layer: str
    kind: str
    role: str
    shape: tuple[int, ...]
    kernel: np.ndarray
    kernel_total: int
    bias: np.ndarray | None
    bias_total: int


@dataclass(frozen=True, eq=False)
class PlotInputs:
    """Everything the array-based trial plots read; any part may be empty (never a guess).

    `probs` (n, C) and `labels` (n,) are validation predictions; `samples` are the first
    validation inputs, so `labels[i]` and `probs[i]` belong to `samples[i]`.
    """

    probs: np.ndarray | None
    labels: np.ndarray | None
    samples: np.ndarray | None
    feature_maps: tuple[FeatureMap, ...] = ()
    parameters: tuple[ParameterSample, ...] = ()
    class_names: tuple[str, ...] = ()

    @property
    def is_text(self) -> bool:
        """Token sequences (integer 2-D samples) rather than images."""
        return (
            self.samples is not None
            and self.samples.ndim == 2
            and np.issubdtype(self.samples.dtype, np.integer)
        )

    def nbytes(self) -> int:
        """Bytes of all arrays, before compression."""
        arrays = [self.probs, self.labels, self.samples]
        arrays += [m.values for m in self.feature_maps]
        arrays += [p.kernel for p in self.parameters] + [p.bias for p in self.parameters]
        return int(sum(a.nbytes for a in arrays if a is not None))


def _float16(values: np.ndarray) -> np.ndarray:
    """float16 without overflow to inf (a diverged weight stays visible as the extreme)."""
    values = np.asarray(values, dtype=np.float32)
    return np.clip(values, -_F16_MAX, _F16_MAX).astype(np.float16)


def sample_values(values: np.ndarray, limit: int, seed: int = SAMPLING_SEED) -> np.ndarray:
    """At most `limit` of the flattened values, drawn without replacement, in tensor order.

    A fixed seed makes the sample the same for the same tensor, so two plots of one trial
    agree; keeping tensor order keeps it cheap to compare with the full tensor.
    """
    flat = np.asarray(values).reshape(-1)
    if flat.size <= limit:
        return flat.copy()
    picks = np.random.default_rng(seed).choice(flat.size, size=limit, replace=False)
    return flat[np.sort(picks)]


def _validation(
    probs: np.ndarray | None, labels: np.ndarray | None
) -> tuple[np.ndarray | None, np.ndarray | None]:
    if probs is None or labels is None:
        return None, None
    probs = np.asarray(probs)
    labels = np.asarray(labels)
    if labels.ndim == 2:  # one-hot
        labels = labels.argmax(axis=1)
    labels = labels.reshape(-1)
    if probs.ndim != 2 or len(probs) != len(labels):
        raise ValueError(
            f"probs must be (n, classes) with one label per row; got {probs.shape} "
            f"and {len(labels)} labels"
        )
    rows = min(len(probs), MAX_PROB_ROWS, MAX_PROB_VALUES // max(2, probs.shape[1]))
    return _float16(probs[:rows]), labels[:rows].astype(np.int32)


def _samples(sample_x: np.ndarray | None) -> np.ndarray | None:
    if sample_x is None or len(sample_x) == 0:
        return None
    x = np.asarray(sample_x)
    per_sample = max(1, int(np.prod(x.shape[1:])))
    x = x[: max(1, min(MAX_SAMPLES, MAX_SAMPLE_VALUES // per_sample))]
    if x.ndim == 2 and np.issubdtype(x.dtype, np.integer):  # token ids
        return x[:, :MAX_SAMPLE_VALUES].astype(np.int32)
    if x.size > MAX_SAMPLE_VALUES and x.ndim >= 3:  # one image alone is too large: stride it
        stride = math.ceil(math.sqrt(x.size / MAX_SAMPLE_VALUES))
        while x[:, ::stride, ::stride].size > MAX_SAMPLE_VALUES:
            stride += 1
        x = x[:, ::stride, ::stride]
    if x.size > MAX_SAMPLE_VALUES:  # a flat vector of that size is no picture: keep none
        return None
    return _float16(x)


def _map_layers(outputs: Sequence[LayerOutput]) -> list[LayerOutput]:
    """Conv2D outputs, each replaced by the activation layer that follows it, if any.

    The map after the activation is what the next layer sees; BatchNorm between the two is
    skipped over. Up to `MAX_MAP_LAYERS`, evenly spread from first to last conv layer.
    """
    ordered = sorted((o for o in outputs if o.values.ndim == 4), key=lambda o: o.layer_index)
    chosen: list[LayerOutput] = []
    for i, output in enumerate(ordered):
        if output.kind != "conv2d":
            continue
        pick = output
        for later in ordered[i + 1 :]:
            if later.kind == "conv2d" or later.values.shape != output.values.shape:
                break
            if later.kind in _ACTIVATION_KINDS:
                pick = later
                break
        chosen.append(pick)
    if len(chosen) > MAX_MAP_LAYERS:
        picks = np.unique(np.linspace(0, len(chosen) - 1, MAX_MAP_LAYERS).round().astype(int))
        chosen = [chosen[i] for i in picks]
    return chosen


def _feature_map(output: LayerOutput) -> FeatureMap:
    values = output.values[:MAX_MAP_SAMPLES, ..., :MAX_MAP_CHANNELS]
    _, height, width, channels = values.shape
    stride = max(1, math.ceil(math.sqrt(height * width * channels / MAX_MAP_VALUES)))
    while math.ceil(height / stride) * math.ceil(width / stride) * channels > MAX_MAP_VALUES:
        stride += 1  # odd sizes round up: one more step keeps the bound exact
    values = values[:, ::stride, ::stride, :]
    return FeatureMap(
        layer=output.name,
        kind=output.kind,
        values=_float16(values),
        shape=tuple(int(d) for d in output.values.shape[1:]),
        stride=stride,
    )


def _parameter_sample(record: WeightRecord) -> ParameterSample:
    bias = record.bias if record.role != "recurrent_kernel" else None
    return ParameterSample(
        name=record.name,
        layer=record.layer,
        kind=record.kind,
        role=record.role,
        shape=tuple(int(d) for d in record.weights.shape),
        kernel=_float16(sample_values(record.weights, MAX_KERNEL_VALUES)),
        kernel_total=int(record.weights.size),
        bias=None if bias is None else _float16(sample_values(bias, MAX_BIAS_VALUES)),
        bias_total=0 if bias is None else int(bias.size),
    )


def build_plot_inputs(
    records: Sequence[WeightRecord],
    outputs: Sequence[LayerOutput],
    probs: np.ndarray | None,
    labels: np.ndarray | None,
    sample_x: np.ndarray | None,
    class_names: Sequence[str] | None = None,
) -> PlotInputs:
    """Cap and convert a trial's arrays into `PlotInputs` (see the module docstring's bound).

    `outputs` must be layer outputs on `sample_x` (only their first `MAX_MAP_SAMPLES` rows
    are kept); `sample_x` should be the first rows of the validation inputs that `probs`
    and `labels` describe, so a sample's prediction can be shown next to it.
    """
    probs, labels = _validation(probs, labels)
    records = list(records)
    if len(records) > MAX_PARAM_LAYERS:
        picks = np.unique(np.linspace(0, len(records) - 1, MAX_PARAM_LAYERS).round().astype(int))
        records = [records[i] for i in picks]
    return PlotInputs(
        probs=probs,
        labels=labels,
        samples=_samples(sample_x),
        feature_maps=tuple(_feature_map(o) for o in _map_layers(outputs)),
        parameters=tuple(_parameter_sample(r) for r in records),
        class_names=tuple(str(c) for c in class_names) if class_names is not None else (),
    )


def save_plot_inputs(path: Path, inputs: PlotInputs) -> Path:
    """Write `inputs` as a compressed .npz; names and shapes go in a JSON string array."""
    arrays: dict[str, np.ndarray] = {}
    for key in ("probs", "labels", "samples"):
        value = getattr(inputs, key)
        if value is not None:
            arrays[key] = value
    for i, fmap in enumerate(inputs.feature_maps):
        arrays[f"map_{i}"] = fmap.values
    for i, p in enumerate(inputs.parameters):
        arrays[f"kernel_{i}"] = p.kernel
        if p.bias is not None:
            arrays[f"bias_{i}"] = p.bias
    meta = _Meta(
        version=FORMAT_VERSION,
        class_names=list(inputs.class_names),
        feature_maps=[
            _MapMeta(layer=m.layer, kind=m.kind, shape=m.shape, stride=m.stride)
            for m in inputs.feature_maps
        ],
        parameters=[
            _ParameterMeta(
                name=p.name,
                layer=p.layer,
                kind=p.kind,
                role=p.role,
                shape=p.shape,
                kernel_total=p.kernel_total,
                bias_total=p.bias_total,
            )
            for p in inputs.parameters
        ],
    )
    arrays["meta"] = np.array([meta.to_json_text(indent=None)])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:  # a file object keeps numpy from appending ".npz"
        # Every array is numeric or text: no pickles, which the reader refuses as well.
        np.savez_compressed(handle, allow_pickle=False, **arrays)
    return path


def _meta(arrays: NpzFile, path: Path) -> _Meta:
    if "meta" not in arrays.files:
        raise PlotInputsError(f"{path}: no 'meta' entry; not a healthopt plot_inputs file")
    meta = json.loads(str(arrays["meta"][0]))
    version = meta.get("version", "?") if isinstance(meta, dict) else "?"
    if version != FORMAT_VERSION:
        raise PlotInputsError(f"{path}: format version {version} is not {FORMAT_VERSION}")
    try:
        return _Meta.from_json(meta)
    except SchemaError as exc:
        raise PlotInputsError(f"{path}: {exc}") from exc


def load_plot_inputs(path: Path) -> PlotInputs:
    """Read a file written by `save_plot_inputs`; PlotInputsError says what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise PlotInputsError(f"no plot inputs file at {path}")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            meta = _meta(arrays, path)

            def get(key: str) -> np.ndarray | None:
                return arrays[key] if key in arrays.files else None

            maps = tuple(
                FeatureMap(
                    layer=m.layer,
                    kind=m.kind,
                    values=arrays[f"map_{i}"],
                    shape=m.shape,
                    stride=m.stride,
                )
                for i, m in enumerate(meta.feature_maps)
            )
            params = tuple(
                ParameterSample(
                    name=p.name,
                    layer=p.layer,
                    kind=p.kind,
                    role=p.role,
                    shape=p.shape,
                    kernel=arrays[f"kernel_{i}"],
                    kernel_total=p.kernel_total,
                    bias=get(f"bias_{i}"),
                    bias_total=p.bias_total,
                )
                for i, p in enumerate(meta.parameters)
            )
            return PlotInputs(
                probs=get("probs"),
                labels=get("labels"),
                samples=get("samples"),
                feature_maps=maps,
                parameters=params,
                class_names=tuple(meta.class_names),
            )
    except PlotInputsError:
        raise
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        raise PlotInputsError(f"cannot read {path} as plot inputs: {exc}") from exc
