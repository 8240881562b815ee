"""Whether a GPU sat idle: epochs trained on the CPU on a machine that had a GPU."""

from __future__ import annotations

from healthopt.diagnostics.checks.sustainability._common import issue
from healthopt.diagnostics.issues import Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput, epoch_index
from healthopt.diagnostics.thresholds import DiagnosticThresholds
from healthopt.records import EpochRecord


def _on_cpu(record: EpochRecord) -> tuple[str, str | float] | None:
    """(metric key, value) showing a GPU-equipped epoch trained on the CPU, else None.

    The recorded training device decides; only without one does zero CUDA time (with CPU time
    spent) count as training on the CPU.
    """
    device = record.device.training_device
    if device is not None:
        return ("device.training_device", device) if device.lower() == "cpu" else None
    cuda, cpu = record.profiler.total_cuda_time_ms, record.profiler.total_cpu_time_ms
    if cuda == 0 and (cpu is None or cpu > 0):
        return "profiler.total_cuda_time_ms", 0.0
    return None


def check_device_underutilization(data: DiagnosticInput, t: DiagnosticThresholds) -> list[Issue]:
    """Epochs ran on the CPU although `device.gpu_available` was true (warning, once, at the
    first such epoch). Never fires on a machine without a GPU."""
    epochs = data.epochs
    with_gpu = [i for i, e in enumerate(epochs) if e.device.gpu_available is True]
    idle = [(i, found) for i in with_gpu if (found := _on_cpu(epochs[i])) is not None]
    if not idle:
        return []
    first, (key, value) = idle[0]
    return [
        issue(
            "device_underutilization",
            Severity.WARNING,
            "GPU available but unused",
            (
                f"{len(idle)} of {len(with_gpu)} epochs with a GPU available trained on the CPU "
                f"(first: epoch {epoch_index(epochs, first)}). GPU training is typically 10-100x "
                "faster and uses less energy per sample."
            ),
            (
                "Check tf.config.list_physical_devices('GPU'), install TensorFlow with CUDA "
                "(pip install 'tensorflow[and-cuda]'), and remove CUDA_VISIBLE_DEVICES=-1 or any "
                "tf.device('/CPU:0') around training; Keras then places the model on the GPU."
            ),
            epoch_index=epoch_index(epochs, first),
            metric_key=key,
            metric_value=value,
        )
    ]
