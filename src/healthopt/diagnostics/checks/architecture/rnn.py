"""RNN architecture checks (seed 004 section 11.1): state width, stack depth, use of
Bidirectional, and sequences too long for a plain recurrent layer."""

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
from healthopt.diagnostics.records import DiagnosticInput, arch_nodes
from healthopt.diagnostics.thresholds import DiagnosticThresholds

# Nodes that may sit between a recurrent layer and what consumes its sequence output.
_PASS_THROUGH = ("normalization", "activation", "dropout")


def check_hidden_size_ratio(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Info when a recurrent layer's units exceed its input width by more than
    `rnn_hidden_input_ratio` times (units per direction for bidirectional layers): the four
    LSTM gates grow with units squared, so an outsized state is most of the parameters."""
    arch = _arch(data, "rnn")
    if arch is None:
        return []
    issues = []
    for node in _of(arch_nodes(arch), "recurrent"):
        units, width = _count(node.units), _count(node.input_size)
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
       `bidirectional_short_sequence` steps: each doubles its parameters, yet on a short
       sequence the first already sees all of it. Reported on the second one.
    2. A bidirectional layer with return_sequences=True whose output (past normalization,
       activation or dropout) is flattened: the head then grows with the sequence length and
       fixes it. A Dense right after it is left alone, since that is how taggers work.
    """
    arch = _arch(data, "rnn")
    if arch is None:
        return []
    nodes = arch_nodes(arch)
    issues = []
    bidirectional = [n for n in _of(nodes, "recurrent") if n.bidirectional is True]
    length = _sequence_length(arch)
    if len(bidirectional) >= 2 and length is not None and length < t.bidirectional_short_sequence:
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
        if node.bidirectional is not True or node.return_sequences is not True:
            continue
        consumer = next((n for n in nodes[position + 1 :] if n.category not in _PASS_THROUGH), None)
        if consumer is not None and consumer.category == "reshape":
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


CHECKS = [
    check_hidden_size_ratio,
    check_num_layers,
    check_bidirectional_usage,
    check_sequence_length,
]
