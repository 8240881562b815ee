"""Multi-GPU training on one worker: `tf.distribute.MirroredStrategy` when asked for and possible.

A RunPod worker may be given several GPUs (`target_gpus_per_worker`). The model is then built
and compiled inside a MirroredStrategy scope over the first N visible GPUs, and Keras' `fit`
splits each batch over them. With one GPU, or none, or one requested, training runs as usual:
asking for more GPUs than the machine has is a capacity question, not an error.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import tensorflow as tf

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    """Where a trial trains: GPUs asked for, GPUs visible, and replicas used (0: the CPU)."""

    requested: int
    visible: int
    replicas: int

    def to_dict(self) -> dict[str, int]:
        return {"requested": self.requested, "visible": self.visible, "replicas": self.replicas}


@contextlib.contextmanager
def distribution_scope(gpus_requested: int) -> Iterator[Placement]:
    """Build and compile the model inside this scope; it mirrors over min(requested, visible)
    GPUs when that is more than one, and is a no-op otherwise."""
    gpus = tf.config.list_logical_devices("GPU")
    replicas = min(max(1, gpus_requested), len(gpus))
    if replicas < 2:
        yield Placement(gpus_requested, len(gpus), replicas)
        return
    devices = [device.name for device in gpus[:replicas]]
    log.info("training mirrored over %d GPUs: %s", replicas, ", ".join(devices))
    with tf.distribute.MirroredStrategy(devices=devices).scope():
        yield Placement(gpus_requested, len(gpus), replicas)
