"""Transformer architecture checks (seed 004 section 11.1): head split, embedding width,
position encoding, layer-norm placement and collapsed attention."""

from __future__ import annotations

from healthopt.diagnostics.checks.architecture._common import (
    _arch,
    _count,
    _id,
    _issue,
    _of,
    _sequence_length,
)
from healthopt.diagnostics.issues import Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, arch_nodes, epoch_index, given
from healthopt.diagnostics.thresholds import DiagnosticThresholds


def check_attention_head_count(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Warning when heads do not split the embedding evenly: embed_dim % num_heads != 0, or
    (both known) key_dim * num_heads != embed_dim, which makes every projection wider or
    narrower than the model it feeds back into."""
    arch = _arch(data, "transformer")
    if arch is None:
        return []
    issues = []
    for node in _of(arch_nodes(arch), "attention"):
        heads, width = _count(node.num_heads), _count(node.embed_dim)
        key_dim = _count(node.key_dim)
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
        vocab = _count(node.input_dim) or _count(arch.vocabulary_size)
        width = _count(node.output_dim)
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
    named = [n for n in nodes if "position" in f"{n.type} {n.id}".lower()]
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
        capacity = _count(node.max_positions)
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
    `post_ln_deep_attention` attention layers needs learning-rate warm-up to train (Xiong et
    al. 2020). Pre-LN and shallow post-LN are both sound and give no issue.
    """
    arch = _arch(data, "transformer")
    if arch is None:
        return []
    nodes = arch_nodes(arch)
    attention = [i for i, n in enumerate(nodes) if n.category == "attention"]
    norms = [
        i
        for i, n in enumerate(nodes)
        if n.category == "normalization"
        and (n.kind == "layer" or "layernorm" in str(n.type).lower())
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
    if norms[0] < attention[0] or len(attention) < t.post_ln_deep_attention:
        return []
    return [
        _issue(
            "layer_norm_placement",
            Severity.WARNING,
            "Post-LN in a deep transformer",
            f"Layer norms come after attention (post-LN) across {len(attention)} attention "
            f"layers (deep from {t.post_ln_deep_attention}); post-LN diverges early without "
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
    names = dict.fromkeys(map(_id, _of(arch_nodes(arch), "attention")))
    for record in data.epochs:
        names.update(
            dict.fromkeys(
                name for name, entry in record.layers.items() if given(entry, "attention_entropy")
            )
        )
    issues = []
    for name in names:
        for position in range(len(data.epochs) - 1, -1, -1):
            entry = data.epochs[position].layers.get(name)
            entropy = entry.attention_entropy if entry is not None else None
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
    check_attention_head_count,
    check_embedding_dimension,
    check_position_encoding,
    check_layer_norm_placement,
    check_attention_entropy,
]
