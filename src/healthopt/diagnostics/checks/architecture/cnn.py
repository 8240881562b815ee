"""CNN architecture checks (seed 004 section 7): how parameters, downsampling, kernel sizes and
channel widths are spread over a convolutional stack."""

from __future__ import annotations

from healthopt.diagnostics.checks.architecture._common import _arch, _count, _id, _issue, _of
from healthopt.diagnostics.issues import Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, arch_nodes
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import ArchitectureSummary, GraphNode

# Nodes that keep the feature map's size, so they neither start nor end a run of convs. A node
# of unknown category (a path id no record describes, a type name `layer_types` does not know)
# ends a run: it may be the pooling, and a warning needs evidence that there was none.
_SIZE_KEEPING = ("normalization", "activation", "dropout", "other")


def _dims(values: list[int] | None) -> list[int] | None:
    """Kernel sizes and strides as positive whole numbers (the records read `3` as [3, 3])."""
    dims = [d for d in map(_count, values or []) if d is not None]
    return dims if values and len(dims) == len(values) else None


def _pct(arch: ArchitectureSummary, node_id: str) -> float | None:
    entry = arch.layers.get(node_id)
    if entry is None:
        return None
    pct = entry.pct_of_total
    params, total = entry.parameters, arch.total_parameters
    if pct is None and params is not None and total:
        pct = 100.0 * params / total
    return pct


def check_fc_dominates(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Warning when one linear layer holds more than `fc_dominance_pct` % of all parameters.

    In a CNN the convolutions should carry the model; a dominant dense layer means the feature
    map is flattened while still large, which wastes parameters and invites overfitting.
    """
    arch = _arch(data, "cnn")
    if arch is None:
        return []
    issues = []
    for node in _of(arch_nodes(arch), "linear"):
        pct = _pct(arch, _id(node))
        if pct is not None and pct > t.fc_dominance_pct:
            issues.append(
                _issue(
                    "fc_dominates",
                    Severity.WARNING,
                    "Dense layer dominates the parameters",
                    f"Dense layer '{_id(node)}' holds {pct:.1f}% of all parameters (limit "
                    f"{t.fc_dominance_pct:.0f}%): the feature map reaching it is still large.",
                    "Shrink what is flattened: add GlobalAveragePooling2D (or more "
                    "MaxPooling2D) before the dense head instead of Flatten.",
                    node,
                    f"layers.{_id(node)}.pct_of_total",
                    pct,
                )
            )
    return issues


def check_conv_bottleneck(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Warning when one convolution holds more than `conv_bottleneck_pct` % of the parameters.

    One oversized convolution (many channels in and out at a large kernel) costs most of the
    model's memory and compute while the rest of the network stays thin.
    """
    arch = _arch(data, "cnn")
    if arch is None:
        return []
    issues = []
    for node in _of(arch_nodes(arch), "convolution"):
        pct = _pct(arch, _id(node))
        if pct is not None and pct > t.conv_bottleneck_pct:
            issues.append(
                _issue(
                    "conv_bottleneck",
                    Severity.WARNING,
                    "One convolution holds most parameters",
                    f"Convolution '{_id(node)}' holds {pct:.1f}% of all parameters (limit "
                    f"{t.conv_bottleneck_pct:.0f}%).",
                    "Use a bottleneck block: a 1x1 Conv2D to reduce channels, the 3x3 Conv2D at "
                    "the smaller width, then a 1x1 Conv2D to expand back (ResNet style).",
                    node,
                    f"layers.{_id(node)}.pct_of_total",
                    pct,
                )
            )
    return issues


def check_missing_pooling(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Warning for `missing_pooling_convs` or more convolutions in a row with no downsampling.

    Walks the sequential order. Normalization, activation, dropout and size-keeping "other"
    nodes (Add, padding) do not break a run; a pooling node or a convolution with a stride
    above 1 does (the strided conv is the downsampling, as in ResNets, so it is not counted),
    and so do leaving the convolutional stack (Flatten, Dense) and a node of unknown
    category. One issue per run, on the run's first convolution; without downsampling the
    maps, and the head, stay large.
    """
    arch = _arch(data, "cnn")
    if arch is None:
        return []
    runs: list[list[GraphNode]] = [[]]
    for node in arch_nodes(arch):
        category = node.category
        strides = _dims(node.strides) or [1]  # PyTorch's `stride` is read as `strides`
        if category == "convolution" and max(strides) == 1:
            runs[-1].append(node)
        elif category not in _SIZE_KEEPING:
            runs.append([])
    issues = []
    for run in runs:
        if len(run) >= t.missing_pooling_convs:
            names = ", ".join(str(_id(n)) for n in run)
            issues.append(
                _issue(
                    "missing_pooling",
                    Severity.WARNING,
                    "Convolutions without pooling",
                    f"{len(run)} convolutions in a row ({names}) keep the full feature-map size "
                    f"(flagged from {t.missing_pooling_convs}).",
                    "Add MaxPooling2D(2) between conv blocks, or give one Conv2D strides=2, so "
                    "the maps shrink before the dense head.",
                    run[0],
                    "layer_graph.sequential_path",
                    len(run),
                )
            )
    return issues


def check_large_kernel(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Warning for a kernel of at least `large_kernel_size` on every side on a small input.

    Small means the input's narrowest spatial side is at most `large_kernel_small_input`
    (MNIST, CIFAR, digits). There a 7x7 kernel covers much of the image at many times the
    parameters of stacked 3x3s; on large inputs (224x224) it is a normal stem, so nothing is
    reported. Factorised kernels (1x7) have a side below the limit and are not flagged.
    """
    arch = _arch(data, "cnn")
    shape = arch.input_shape if arch else None
    if arch is None or shape is None:
        return []
    issues = []
    for node in _of(arch_nodes(arch), "convolution"):
        kernel = _dims(node.kernel_size)
        spatial = [_count(d) for d in shape[: len(kernel)]] if kernel else []
        if not kernel or not spatial or None in spatial or min(kernel) < t.large_kernel_size:
            continue
        side = min(d for d in spatial if d is not None)
        if side <= t.large_kernel_small_input:
            size = "x".join(str(k) for k in kernel)
            issues.append(
                _issue(
                    "large_kernel",
                    Severity.WARNING,
                    "Large kernel on a small input",
                    f"Convolution '{_id(node)}' uses a {size} kernel on an input whose narrowest "
                    f"side is {side} (small means <= {t.large_kernel_small_input}).",
                    "Use kernel_size=3 and stack two or three Conv2D layers for the same "
                    "receptive field with fewer parameters.",
                    node,
                    "layer_graph.nodes.kernel_size",
                    min(kernel),
                )
            )
    return issues


def check_early_channel_explosion(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Info when the first convolution expands a 1-3 channel input to more than
    `early_channel_max` channels: early layers see simple edges, so wide ones mostly cost
    compute at the largest resolution."""
    arch = _arch(data, "cnn")
    convs = _of(arch_nodes(arch), "convolution") if arch else []
    if arch is None or not convs:
        return []
    first = convs[0]
    shape = arch.input_shape
    in_channels = _count(first.in_channels)
    if in_channels is None and shape:
        in_channels = _count(shape[-1])
    out_channels = _count(first.out_channels)
    if in_channels is None or out_channels is None:
        return []
    if in_channels > 3 or out_channels <= t.early_channel_max:
        return []
    return [
        _issue(
            "early_channel_explosion",
            Severity.INFO,
            "Too many channels in the first convolution",
            f"The first convolution '{_id(first)}' goes from {in_channels} to {out_channels} "
            f"channels (limit {t.early_channel_max}) at full input resolution.",
            "Start narrow and widen gradually, e.g. Conv2D(16) then Conv2D(32) then Conv2D(64).",
            first,
            "layer_graph.nodes.out_channels",
            out_channels,
        )
    ]


CHECKS = [
    check_fc_dominates,
    check_conv_bottleneck,
    check_missing_pooling,
    check_large_kernel,
    check_early_channel_explosion,
]
