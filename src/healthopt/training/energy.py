"""EnergyMeter: energy and CO2 of the training process, per epoch, with the method stated.

Where the kernel exposes Intel RAPL (`/sys/class/powercap/intel-rapl:0/energy_uj`) the CPU
package energy is measured; otherwise it is estimated from this process's CPU seconds times a
per-core power figure. GPU power is read from `nvidia-smi` when a GPU trains the model; when
it cannot be read the record says why instead of guessing. CO2 is energy times the grid's
carbon intensity. Both factors come from the environment so a user can set their own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psutil

from healthopt.records.epoch import CarbonBlock

RAPL_FILE = Path("/sys/class/powercap/intel-rapl:0/energy_uj")
# A busy modern server core draws roughly 5-15 W; 10 W is the middle of that range.
DEFAULT_WATTS_PER_CORE = 10.0
# World average grid intensity (IEA, 2022): about 475 g CO2 per kWh.
DEFAULT_CARBON_G_PER_KWH = 475.0
JOULES_PER_KWH = 3.6e6


def _env_float(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value >= 0 else default


class EnergyMeter:
    """Call `start()` at an epoch's start and `stop(duration, gpu_in_use)` at its end."""

    def __init__(self) -> None:
        self.watts_per_core = _env_float("HEALTHOPT_CPU_WATTS_PER_CORE", DEFAULT_WATTS_PER_CORE)
        self.carbon_g_per_kwh = _env_float("HEALTHOPT_CARBON_G_PER_KWH", DEFAULT_CARBON_G_PER_KWH)
        self._process = psutil.Process()
        self._rapl = RAPL_FILE if _readable(RAPL_FILE) else None
        self._cpu_start = 0.0
        self._rapl_start = 0

    def start(self) -> None:
        times = self._process.cpu_times()
        self._cpu_start = times.user + times.system
        if self._rapl is not None:
            self._rapl_start = int(self._rapl.read_text())

    def stop(self, duration_seconds: float, gpu_in_use: bool) -> CarbonBlock:
        times = self._process.cpu_times()
        cpu_seconds = max(0.0, times.user + times.system - self._cpu_start)
        if self._rapl is not None:
            delta = int(self._rapl.read_text()) - self._rapl_start
            joules = max(delta, 0) / 1e6
            method = "measured: RAPL CPU package energy (whole package, not only this process)"
        else:
            joules = cpu_seconds * self.watts_per_core
            method = (
                f"estimate: process CPU seconds x {self.watts_per_core:g} W per busy core "
                "(RAPL not readable here; set HEALTHOPT_CPU_WATTS_PER_CORE)"
            )
        gpu_watts, gpu_note = _gpu_power() if gpu_in_use else (None, "no GPU in use")
        if gpu_watts is not None:
            joules += gpu_watts * duration_seconds
            method += f"; GPU: nvidia-smi power.draw {gpu_watts:.1f} W x epoch time"
        kwh = joules / JOULES_PER_KWH
        return CarbonBlock(
            epoch_energy_kwh=kwh,
            epoch_co2_kg=kwh * self.carbon_g_per_kwh / 1000.0,
            power_draw_watts=joules / duration_seconds if duration_seconds > 0 else None,
            method=method,
            gpu_power_note=gpu_note,
            cpu_seconds=cpu_seconds,
            carbon_intensity_g_per_kwh=self.carbon_g_per_kwh,
        )


def _readable(path: Path) -> bool:
    try:
        int(path.read_text())
    except (OSError, ValueError):
        return False
    return True


def _gpu_power() -> tuple[float | None, str]:
    """Total board power of the visible NVIDIA GPUs, or None and the reason it is unknown."""
    if shutil.which("nvidia-smi") is None:
        return None, "GPU power not measurable: nvidia-smi is not available"
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=power.draw", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
        watts = sum(float(line) for line in out.split() if line.strip())
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return None, f"GPU power not measurable: nvidia-smi failed ({exc})"
    return watts, "measured with nvidia-smi power.draw at epoch end"
