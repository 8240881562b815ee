"""System checks (seed 004 section 5, category 2): speed, memory, CPU and error logs.

The first record is left out of the speed and memory checks: Keras traces and compiles the
training graph during the first epoch, so its time and memory are start-up cost, not a
baseline. "First" means the first record of the history, whatever its epoch number, because a
resumed run traces again.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, epoch_index
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import EpochRecord

# A median over fewer epochs than this is no baseline for calling one of them slow.
MIN_EPOCHS_FOR_MEDIAN = 3


def _after_warmup(
    epochs: list[EpochRecord], figure: Callable[[EpochRecord], float | None]
) -> list[tuple[int, float]]:
    """(position, value) for every record after the first that has the figure."""
    found = [(i, figure(record)) for i, record in enumerate(epochs) if i > 0]
    return [(i, value) for i, value in found if value is not None]


def check_throughput_degradation(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """The last epoch's `throughput.samples_per_second` is more than `throughput_drop_pct`
    below the peak of the epochs after the first (warning).

    Judging the last epoch asks whether training ended slower than it ran at best; a single
    slow epoch in the middle that recovered is `slow_epoch`'s business.
    """
    epochs = data.epochs
    speeds = _after_warmup(epochs, lambda e: e.throughput.samples_per_second)
    if len(speeds) < 2:
        return []
    peak_at, peak = max(speeds, key=lambda row: row[1])
    last_at, last = speeds[-1]
    if peak <= 0 or last >= peak * (1 - t.throughput_drop_pct):
        return []
    drop = 1 - last / peak
    epoch = epoch_index(epochs, last_at)
    return [
        Issue(
            check="throughput_degradation",
            severity=Severity.WARNING,
            category=Category.THROUGHPUT,
            title="Throughput degradation",
            description=(
                f"Epoch {epoch} ran at {last:.4g} samples/s, {100 * drop:.1f}% below the peak "
                f"{peak:.4g} samples/s at epoch {epoch_index(epochs, peak_at)} (limit "
                f"{100 * t.throughput_drop_pct:g}%)."
            ),
            suggestion=(
                "Check for other processes competing for CPU/GPU, feed data through tf.data "
                "with .cache() and .prefetch(tf.data.AUTOTUNE), and watch for memory growth "
                "or thermal throttling."
            ),
            epoch_index=epoch,
            metric_key="throughput.samples_per_second",
            metric_value=last,
        )
    ]


def check_memory_growth(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """`memory.process_rss_mb` at the last epoch is more than `memory_growth_pct` above the
    first record after warm-up (warning): memory that keeps growing suggests a leak."""
    epochs = data.epochs
    memory = _after_warmup(epochs, lambda e: e.memory.process_rss_mb)
    if len(memory) < 2:
        return []
    (base_at, base), (last_at, last) = memory[0], memory[-1]
    if base <= 0 or last <= base * (1 + t.memory_growth_pct):
        return []
    growth = last / base - 1
    epoch = epoch_index(epochs, last_at)
    return [
        Issue(
            check="memory_growth",
            severity=Severity.WARNING,
            category=Category.MEMORY,
            title="Memory growth",
            description=(
                f"Process memory grew {100 * growth:.1f}%, from {base:.0f} MB at epoch "
                f"{epoch_index(epochs, base_at)} to {last:.0f} MB at epoch {epoch} (limit "
                f"{100 * t.memory_growth_pct:g}%)."
            ),
            suggestion=(
                "Keep plain numbers, not tensors, in Python lists across steps (float(loss)); "
                "avoid building new models or tf.functions inside the loop, and call "
                "keras.backend.clear_session() between trials."
            ),
            epoch_index=epoch,
            metric_key="memory.process_rss_mb",
            metric_value=last,
        )
    ]


def check_slow_epoch(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """An epoch after the first took more than `slow_epoch_ratio` times the median duration
    of those epochs (info, at the slowest; needs `MIN_EPOCHS_FOR_MEDIAN` timed epochs)."""
    epochs = data.epochs
    durations = _after_warmup(epochs, lambda e: e.duration_seconds)
    if len(durations) < MIN_EPOCHS_FOR_MEDIAN:
        return []
    median = statistics.median(value for _, value in durations)
    slow = [(i, value) for i, value in durations if value > t.slow_epoch_ratio * median]
    if median <= 0 or not slow:
        return []
    worst_at, worst = max(slow, key=lambda row: row[1])
    epoch = epoch_index(epochs, worst_at)
    return [
        Issue(
            check="slow_epoch",
            severity=Severity.INFO,
            category=Category.THROUGHPUT,
            title="Slow epoch",
            description=(
                f"Epoch {epoch} took {worst:.3g} s, {worst / median:.1f}x the median "
                f"{median:.3g} s (limit {t.slow_epoch_ratio:g}x); {len(slow)} epoch(s) slow."
            ),
            suggestion=(
                "Look for what else ran at that time (other jobs, swapping, checkpoint "
                "writes, a cold data cache); cache the dataset with tf.data .cache()."
            ),
            epoch_index=epoch,
            metric_key="duration_seconds",
            metric_value=worst,
        )
    ]


def _on_gpu(epochs: list[EpochRecord]) -> bool:
    """Whether the records say training ran on a GPU (unknown counts as not)."""
    for record in reversed(epochs):
        device = record.device.training_device
        if device is not None:
            return device.lower() == "gpu"
    return False


def check_high_cpu(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """The median per-core CPU use (`system.cpu_percent` / `system.cpu_count`, first record
    left out when there are others) is above `high_cpu_percent`.

    `cpu_percent` is per process with 100 = one core, so it is divided by the core count;
    records without `cpu_count` are skipped rather than guessed. Warning when training ran on
    a GPU (the CPU, likely the input pipeline, holds the GPU back); info otherwise, because
    training on a CPU-only machine is expected to keep its cores busy.
    """
    epochs = data.epochs
    rows = []
    for i, record in enumerate(epochs):
        percent, cores = record.system.cpu_percent, record.system.cpu_count
        if percent is not None and cores is not None and cores >= 1:
            rows.append((i, percent, percent / cores))
    if len(rows) > 1:
        rows = [row for row in rows if row[0] > 0] or rows
    if not rows:
        return []
    per_core = statistics.median(row[2] for row in rows)
    if per_core <= t.high_cpu_percent:
        return []
    percent = statistics.median(row[1] for row in rows)
    on_gpu = _on_gpu(epochs)
    if on_gpu:
        severity, why, fix = (
            Severity.WARNING,
            "The GPU is likely waiting for the CPU (input pipeline or Python-side work).",
            "Move preprocessing into tf.data with num_parallel_calls=tf.data.AUTOTUNE and "
            ".prefetch(tf.data.AUTOTUNE), or preprocess once and .cache() the result.",
        )
    else:
        severity, why, fix = (
            Severity.INFO,
            "Training runs on the CPU, so busy cores are expected; it is the limit on speed.",
            "Train on a GPU if one is available (keras uses it automatically when TensorFlow "
            "sees it); otherwise a smaller model or batch is the way to go faster.",
        )
    return [
        Issue(
            check="high_cpu",
            severity=severity,
            category=Category.SYSTEM,
            title="High CPU use",
            description=(
                f"The training process used {percent:.0f}% CPU (median over {len(rows)} "
                f"epoch(s)), {per_core:.0f}% per core, above {t.high_cpu_percent:g}%. {why}"
            ),
            suggestion=fix,
            metric_key="system.cpu_percent",
            metric_value=percent,
        )
    ]


def check_error_logs(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Log entries with level ERROR or CRITICAL (warning; critical if any is CRITICAL).

    Quotes the count and the first message. `metric_value` is the count of such entries.
    """
    levels = [(entry, entry.level.upper()) for entry in data.logs]
    errors = [entry for entry, level in levels if level in ("ERROR", "CRITICAL")]
    if not errors:
        return []
    critical = any(level == "CRITICAL" for _, level in levels)
    first = errors[0].msg.strip() or "(no message)"
    if len(first) > 200:
        first = first[:197] + "..."
    return [
        Issue(
            check="error_logs",
            severity=Severity.CRITICAL if critical else Severity.WARNING,
            category=Category.LOGS,
            title="Errors in the logs",
            description=(
                f"{len(errors)} log entr{'y' if len(errors) == 1 else 'ies'} at level ERROR "
                f"or CRITICAL; the first: {first!r}."
            ),
            suggestion=(
                "Read the full log around the first error and fix its cause first; later "
                "errors often follow from it."
            ),
            metric_key="logs.level",
            metric_value=len(errors),
        )
    ]


CHECKS = [
    check_throughput_degradation,
    check_memory_growth,
    check_slow_epoch,
    check_high_cpu,
    check_error_logs,
]
