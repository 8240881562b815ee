"""Architecture checks: structural problems in CNN, RNN and transformer layer graphs.

Each family runs only on its own `arch_type` (seed 004 sections 7 and 11.1); a "generic" or
missing architecture gives no issues. They read the summary `models.architecture` writes
(schema in `records`), so a node missing a field is skipped rather than guessed at.
"""

from __future__ import annotations

from typing import Any

from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import (
    DiagnosticInput,
    arch_nodes,
    dig,
    epoch_index,
    layers,
    number,
)
from healthopt.diagnostics.thresholds import DiagnosticThresholds

# Post-LN needs learning-rate warm-up once the stack is this deep (Xiong et al. 2020).
POST_LN_DEEP_ATTENTION = 6
# Below this many steps a second bidirectional layer adds parameters but little context.
BIDIRECTIONAL_SHORT_SEQUENCE = 20

# Nodes that keep the feature map's size, so they neither start nor end a run of convs.
_SIZE_KEEPING = ("normalization", "activation", "dropout", "other", None)
# Nodes that may sit between a recurrent layer and what consumes its sequence output.
_PASS_THROUGH = ("normalization", "activation", "dropout")


def _arch(data: DiagnosticInput, arch_type: str) -> dict[str, Any] | None:
    arch = data.architecture
    return arch if isinstance(arch, dict) and arch.get("arch_type") == arch_type else None


def _of(nodes: list[dict[str, Any]], category: str) -> list[dict[str, Any]]:
    return [n for n in nodes if n.get("category") == category]


def _id(node: dict[str, Any]) -> str | None:
    value = node.get("id")
    return None if value is None else str(value)


def _count(value: Any) -> int | None:
    """A positive whole number (a size, a count), else None."""
    value = number(value)
    return int(value) if value is not None and value > 0 and value == int(value) else None


def _dims(value: Any) -> list[int] | None:
    """Kernel sizes and strides as a list, whether stored as `3` or `[3, 3]`."""
    values = value if isinstance(value, (list, tuple)) else [value]
    dims = [d for d in map(_count, values) if d is not None]
    return dims if values and len(dims) == len(values) else None


def _pct(arch: dict[str, Any], node_id: str | None) -> float | None:
    entry = (arch.get("layers") or {}).get(node_id) if node_id is not None else None
    if not isinstance(entry, dict):
        return None
    pct = number(entry.get("pct_of_total"))
    params, total = number(entry.get("parameters")), number(arch.get("total_parameters"))
    if pct is None and params is not None and total:
        pct = 100.0 * params / total
    return pct


def _sequence_length(arch: dict[str, Any]) -> int | None:
    """The declared sequence length, else the first input axis of a (steps[, features]) input."""
    length = _count(arch.get("sequence_length"))
    shape = arch.get("input_shape")
    if length is None and isinstance(shape, list) and len(shape) in (1, 2):
        length = _count(shape[0])
    return length


def _issue(
    check: str,
    severity: Severity,
    title: str,
    description: str,
    suggestion: str,
    node: dict[str, Any] | str | None = None,
    key: str | None = None,
    value: Any = None,
    epoch: int | None = None,
) -> Issue:
    return Issue(
        check=check,
        severity=severity,
        category=Category.ARCHITECTURE,
        title=title,
        description=description,
        suggestion=suggestion,
        epoch_index=epoch,
        layer_id=node if isinstance(node, str) else _id(node) if node else None,
        metric_key=key,
        metric_value=value,
    )


# --- CNN (seed 004 section 7) ---------------------------------------------------------------


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
    and so does leaving the convolutional stack (Flatten, Dense). One issue per run, on the
    run's first convolution; without downsampling the maps, and the head, stay large.
    """
    arch = _arch(data, "cnn")
    if arch is None:
        return []
    runs: list[list[dict[str, Any]]] = [[]]
    for node in arch_nodes(arch):
        category = node.get("category")
        strides = _dims(node.get("strides")) or [1]
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
    shape = arch.get("input_shape") if arch else None
    if arch is None or not isinstance(shape, list):
        return []
    issues = []
    for node in _of(arch_nodes(arch), "convolution"):
        kernel = _dims(node.get("kernel_size"))
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
    shape = arch.get("input_shape")
    in_channels = _count(first.get("in_channels"))
    if in_channels is None and isinstance(shape, list) and shape:
        in_channels = _count(shape[-1])
    out_channels = _count(first.get("out_channels"))
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


# --- RNN (seed 004 section 11.1) ------------------------------------------------------------


def check_hidden_size_ratio(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Info when a recurrent layer's units exceed its input width by more than
    `rnn_hidden_input_ratio` times (units per direction for bidirectional layers): the four
    LSTM gates grow with units squared, so an outsized state is most of the parameters."""
    arch = _arch(data, "rnn")
    if arch is None:
        return []
    issues = []
    for node in _of(arch_nodes(arch), "recurrent"):
        units, width = _count(node.get("units")), _count(node.get("input_size"))
        if units is None or width is None or units / width <= t.rnn_hidden_input_ratio:
            continue
        ratio = units / width
        issues.append(
            _issue(
                "hidden_size_ratio",
                Severity.INFO,
                "Recurrent state much wider than its input",
                f"Recurrent layer '{_id(node)}' has {units} units for {width} input features "
                f"({ratio:.1f}x, limit {t.rnn_hidden_input_ratio:.0f}x).",
                "Try fewer LSTM/GRU units, or a wider Embedding/input projection; keep the wide "
                "state only if validation shows it needs the memory (few-feature time series).",
                node,
                "layer_graph.nodes.units",
                ratio,
            )
        )
    return issues


def check_num_layers(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Warning for more than `rnn_max_layers` stacked recurrent layers (a Bidirectional wrapper
    counts once): gradients vanish through deep recurrent stacks and each layer is slow."""
    arch = _arch(data, "rnn")
    recurrent = _of(arch_nodes(arch), "recurrent") if arch else []
    if len(recurrent) <= t.rnn_max_layers:
        return []
    return [
        _issue(
            "num_layers",
            Severity.WARNING,
            "Deep recurrent stack",
            f"The model stacks {len(recurrent)} recurrent layers (limit {t.rnn_max_layers}); "
            f"'{_id(recurrent[t.rnn_max_layers])}' is the first beyond it.",
            "Use 1-2 LSTM/GRU layers; if depth is needed, add residual connections or "
            "LayerNormalization between them.",
            recurrent[t.rnn_max_layers],
            "layer_graph.nodes.recurrent_count",
            len(recurrent),
        )
    ]


def check_bidirectional_usage(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Info on two misuses of Bidirectional; one BiLSTM summarising a sequence is fine.

    1. Two or more bidirectional layers on sequences shorter than
       BIDIRECTIONAL_SHORT_SEQUENCE: each doubles its parameters, yet on a short sequence the
       first already sees all of it. Reported on the second one.
    2. A bidirectional layer with return_sequences=True whose output (past normalization,
       activation or dropout) is flattened: the head then grows with the sequence length and
       fixes it. A Dense right after it is left alone, since that is how taggers work.
    """
    arch = _arch(data, "rnn")
    if arch is None:
        return []
    nodes = arch_nodes(arch)
    issues = []
    bidirectional = [n for n in _of(nodes, "recurrent") if n.get("bidirectional") is True]
    length = _sequence_length(arch)
    if len(bidirectional) >= 2 and length is not None and length < BIDIRECTIONAL_SHORT_SEQUENCE:
        issues.append(
            _issue(
                "bidirectional_usage",
                Severity.INFO,
                "Stacked bidirectional layers on short input",
                f"{len(bidirectional)} bidirectional layers each double their parameters on "
                f"sequences of only {length} steps.",
                "Keep one Bidirectional layer and make the ones above it plain LSTM/GRU.",
                bidirectional[1],
                "sequence_length",
                length,
            )
        )
    for position, node in enumerate(nodes):
        if node.get("bidirectional") is not True or node.get("return_sequences") is not True:
            continue
        consumer = next(
            (n for n in nodes[position + 1 :] if n.get("category") not in _PASS_THROUGH), None
        )
        if consumer is not None and consumer.get("category") == "reshape":
            issues.append(
                _issue(
                    "bidirectional_usage",
                    Severity.INFO,
                    "Bidirectional sequence output flattened",
                    f"Bidirectional layer '{_id(node)}' returns every step and '{_id(consumer)}' "
                    "flattens them, so the head's size depends on the sequence length.",
                    "Pool the steps with GlobalAveragePooling1D / GlobalMaxPooling1D, or set "
                    "return_sequences=False on the last Bidirectional layer.",
                    node,
                    "layer_graph.nodes.return_sequences",
                    True,
                )
            )
    return issues


def check_sequence_length(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Warning when sequences exceed `rnn_long_sequence` steps and only plain recurrent layers
    (no attention node) carry them: LSTM/GRU memory fades over hundreds of steps."""
    arch = _arch(data, "rnn")
    if arch is None:
        return []
    nodes = arch_nodes(arch)
    recurrent, length = _of(nodes, "recurrent"), _sequence_length(arch)
    if not recurrent or _of(nodes, "attention") or length is None:
        return []
    if length <= t.rnn_long_sequence:
        return []
    return [
        _issue(
            "sequence_length",
            Severity.WARNING,
            "Sequences too long for a plain RNN",
            f"Sequences of {length} steps (limit {t.rnn_long_sequence}) go through recurrent "
            f"layer '{_id(recurrent[0])}' with no attention; early steps are largely forgotten.",
            "Truncate or window the sequences (keep the informative end), or add an attention "
            "layer (keras.layers.Attention / MultiHeadAttention) over the LSTM outputs.",
            recurrent[0],
            "sequence_length",
            length,
        )
    ]


# --- Transformer (seed 004 section 11.1) ----------------------------------------------------


def check_attention_head_count(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Warning when heads do not split the embedding evenly: embed_dim % num_heads != 0, or
    (both known) key_dim * num_heads != embed_dim, which makes every projection wider or
    narrower than the model it feeds back into."""
    arch = _arch(data, "transformer")
    if arch is None:
        return []
    issues = []
    for node in _of(arch_nodes(arch), "attention"):
        heads, width = _count(node.get("num_heads")), _count(node.get("embed_dim"))
        key_dim = _count(node.get("key_dim"))
        if heads is None or width is None:
            continue
        if width % heads:
            found = (
                f"{width} embedding dimensions do not split over {heads} heads "
                f"({width / heads:.2f} per head)"
            )
            key, value = "layer_graph.nodes.embed_dim", width
        elif key_dim is not None and key_dim * heads != width:
            found = (
                f"{heads} heads x key_dim {key_dim} = {heads * key_dim}, not the "
                f"embedding width {width}"
            )
            key, value = "layer_graph.nodes.key_dim", key_dim
        else:
            continue
        issues.append(
            _issue(
                "attention_head_count",
                Severity.WARNING,
                "Attention heads do not fit the embedding",
                f"Attention layer '{_id(node)}': {found}.",
                "Pick num_heads dividing the embedding width and set "
                "MultiHeadAttention(num_heads=h, key_dim=embed_dim // h).",
                node,
                key,
                value,
            )
        )
    return issues


def check_embedding_dimension(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Info when an embedding is wider than `embedding_vocab_ratio` x its vocabulary: a vector
    longer than the number of tokens it encodes adds parameters, not information."""
    arch = _arch(data, "transformer")
    if arch is None:
        return []
    issues = []
    for node in _of(arch_nodes(arch), "embedding"):
        vocab = _count(node.get("input_dim")) or _count(arch.get("vocabulary_size"))
        width = _count(node.get("output_dim"))
        if vocab is None or width is None or width <= vocab * t.embedding_vocab_ratio:
            continue
        issues.append(
            _issue(
                "embedding_dimension",
                Severity.INFO,
                "Embedding wider than its vocabulary",
                f"Embedding '{_id(node)}' maps {vocab} tokens to {width} dimensions.",
                f"Use Embedding(output_dim) of at most {int(vocab * t.embedding_vocab_ratio)} "
                "(and match the attention width to it).",
                node,
                "layer_graph.nodes.output_dim",
                width,
            )
        )
    return issues


def check_position_encoding(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Critical when a positional embedding has fewer positions than the sequence length
    (later positions cannot be encoded: index errors or garbage); warning when the model has
    no positional node at all, since attention alone cannot tell token order."""
    arch = _arch(data, "transformer")
    if arch is None:
        return []
    nodes = arch_nodes(arch)
    positional = _of(nodes, "positional_embedding")
    named = [n for n in nodes if "position" in f"{n.get('type')} {n.get('id')}".lower()]
    if not positional and not named:
        return [
            _issue(
                "position_encoding",
                Severity.WARNING,
                "No position encoding",
                "The transformer has no positional embedding, so attention sees the tokens as "
                "an unordered set.",
                "Add a position Embedding(sequence_length, embed_dim) over "
                "keras.ops.arange(sequence_length) and add it to the token embedding.",
                None,
                "layer_graph.nodes.positional_embedding",
                0,
            )
        ]
    length = _sequence_length(arch)
    issues = []
    for node in positional:
        capacity = _count(node.get("max_positions"))
        if capacity is None or length is None or capacity >= length:
            continue
        issues.append(
            _issue(
                "position_encoding",
                Severity.CRITICAL,
                "Sequence longer than position encoding",
                f"Positional embedding '{_id(node)}' encodes {capacity} positions but sequences "
                f"have {length}; positions {capacity}..{length - 1} cannot be encoded.",
                f"Set the position Embedding's input_dim to at least {length}, or truncate "
                f"inputs to {capacity} tokens.",
                node,
                "layer_graph.nodes.max_positions",
                capacity,
            )
        )
    return issues


def check_layer_norm_placement(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Warning for a transformer with no layer normalization, or post-LN in a deep stack.

    The summary has no edges, so placement is read from the order: a layer norm before the
    first attention node means pre-LN, none means post-LN. Post-LN with at least
    POST_LN_DEEP_ATTENTION attention layers needs learning-rate warm-up to train. Pre-LN
    and shallow post-LN are both sound and give no issue.
    """
    arch = _arch(data, "transformer")
    if arch is None:
        return []
    nodes = arch_nodes(arch)
    attention = [i for i, n in enumerate(nodes) if n.get("category") == "attention"]
    norms = [
        i
        for i, n in enumerate(nodes)
        if n.get("category") == "normalization"
        and (n.get("kind") == "layer" or "layernorm" in str(n.get("type")).lower())
    ]
    if not attention:
        return []
    first = nodes[attention[0]]
    if not norms:
        return [
            _issue(
                "layer_norm_placement",
                Severity.WARNING,
                "No layer normalization",
                f"None of the {len(attention)} attention blocks has a LayerNormalization; "
                "residual activations grow with depth and training is unstable.",
                "Wrap each block as x = x + MultiHeadAttention(...)(LayerNormalization()(x)) "
                "(pre-LN), and the same for the feed-forward part.",
                first,
                "layer_graph.nodes.layer_norm_count",
                0,
            )
        ]
    if norms[0] < attention[0] or len(attention) < POST_LN_DEEP_ATTENTION:
        return []
    return [
        _issue(
            "layer_norm_placement",
            Severity.WARNING,
            "Post-LN in a deep transformer",
            f"Layer norms come after attention (post-LN) across {len(attention)} attention "
            f"layers (deep from {POST_LN_DEEP_ATTENTION}); post-LN diverges early without "
            "warm-up.",
            "Move LayerNormalization before each attention and feed-forward block (pre-LN), or "
            "use a warm-up learning-rate schedule (keras.optimizers.schedules with warmup_steps).",
            first,
            "layer_graph.nodes.attention_count",
            len(attention),
        )
    ]


def check_attention_entropy(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Warning when an attention layer's entropy (nats) in the last epoch reporting it is below
    `attention_entropy_min`: its heads put almost all weight on one position. Layers are the
    attention nodes plus any layer whose health record carries attention_entropy."""
    arch = _arch(data, "transformer")
    if arch is None:
        return []
    names = dict.fromkeys(n for n in map(_id, _of(arch_nodes(arch), "attention")) if n)
    for record in data.epochs:
        names.update(
            dict.fromkeys(
                name
                for name, entry in layers(record).items()
                if isinstance(entry, dict) and "attention_entropy" in entry
            )
        )
    issues = []
    for name in names:
        for position in range(len(data.epochs) - 1, -1, -1):
            entropy = number(dig(layers(data.epochs[position]).get(name), "attention_entropy"))
            if entropy is None:
                continue
            if entropy < t.attention_entropy_min:
                issues.append(
                    _issue(
                        "attention_entropy",
                        Severity.WARNING,
                        "Attention collapsed to one position",
                        f"Attention layer '{name}' has entropy {entropy:.3f} nats (minimum "
                        f"{t.attention_entropy_min:g}): its heads attend almost only one token.",
                        "Add attention dropout (MultiHeadAttention(dropout=0.1)), check the "
                        "attention mask and position encoding, or lower the learning rate.",
                        name,
                        f"layer_health.layers.{name}.attention_entropy",
                        entropy,
                        epoch_index(data.epochs, position),
                    )
                )
            break
    return issues


CHECKS = [
    check_fc_dominates,
    check_conv_bottleneck,
    check_missing_pooling,
    check_large_kernel,
    check_early_channel_explosion,
    check_hidden_size_ratio,
    check_num_layers,
    check_bidirectional_usage,
    check_sequence_length,
    check_attention_head_count,
    check_embedding_dimension,
    check_position_encoding,
    check_layer_norm_placement,
    check_attention_entropy,
]
