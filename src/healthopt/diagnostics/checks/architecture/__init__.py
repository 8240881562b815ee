"""Architecture checks: structural problems in CNN, RNN and transformer layer graphs.

Each family runs only on its own `arch_type` (seed 004 sections 7 and 11.1), or, when the
summary states none, on the family `diagnostics.records.arch_type` detects from its layers; a
"generic" or missing architecture gives no issues. They read the summary `models.architecture`
writes, or seed 004's (`healthopt.records.architecture`); a node missing a field is skipped
rather than guessed at.

One module per family (`cnn`, `rnn`, `transformer`); `CHECKS` runs them in that order. The
check functions are re-exported so `from ...checks.architecture import check_x` keeps working.
"""

from __future__ import annotations

from healthopt.diagnostics.checks.architecture import cnn, rnn, transformer
from healthopt.diagnostics.checks.architecture.cnn import (
    check_conv_bottleneck,
    check_early_channel_explosion,
    check_fc_dominates,
    check_large_kernel,
    check_missing_pooling,
)
from healthopt.diagnostics.checks.architecture.rnn import (
    check_bidirectional_usage,
    check_hidden_size_ratio,
    check_num_layers,
    check_sequence_length,
)
from healthopt.diagnostics.checks.architecture.transformer import (
    check_attention_entropy,
    check_attention_head_count,
    check_embedding_dimension,
    check_layer_norm_placement,
    check_position_encoding,
)

CHECKS = [*cnn.CHECKS, *rnn.CHECKS, *transformer.CHECKS]

__all__ = [
    "CHECKS",
    "check_attention_entropy",
    "check_attention_head_count",
    "check_bidirectional_usage",
    "check_conv_bottleneck",
    "check_early_channel_explosion",
    "check_embedding_dimension",
    "check_fc_dominates",
    "check_hidden_size_ratio",
    "check_large_kernel",
    "check_layer_norm_placement",
    "check_missing_pooling",
    "check_num_layers",
    "check_position_encoding",
    "check_sequence_length",
]
