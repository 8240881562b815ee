"""Layer monitoring's record (seed 001): `training_summary.json` under a trial's `monitoring/`.

`healthopt.monitoring` computes it from a trial's epoch records; the API serves it and the
dashboard draws its class strip and anomalies from it. Every metric is on [0, 1] (the
definitions travel in the file, `metric_definitions`), None where the records lacked what it
is made from.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from healthopt.records.base import Finite, Record, VersionedRecord

LAYER_CLASSES = (
    "Oracle",
    "Sentinel",
    "Alchemist",
    "Archivist",
    "Trickster",
    "Luminary",
    "Wanderer",
)
LayerClass = Literal[
    "Oracle", "Sentinel", "Alchemist", "Archivist", "Trickster", "Luminary", "Wanderer"
]
AnomalyType = Literal["metric_spike", "classification_instability", "convergence_issue"]
METRIC_NAMES = (
    "luminosity",
    "fracture_density",
    "entropy",
    "resilience",
    "variance",
    "sparsity",
)


class LayerMetrics(Record):
    """Seed 001's six metrics for one layer at one epoch, each on [0, 1]."""

    luminosity: Finite = None
    fracture_density: Finite = None
    entropy: Finite = None
    resilience: Finite = None
    variance: Finite = None
    sparsity: Finite = None

    def get(self, name: str) -> float | None:
        value = getattr(self, name)
        return None if value is None else float(value)


class LayerEpoch(Record):
    """One monitored epoch of one layer: its metrics and the class the rules gave it.

    `layer_class` is None when a metric a rule reads was not recorded; `rule` is the rule
    that fired, as text (`"entropy > 0.8 and fracture_density > 0.7"`), or why none could.
    """

    epoch: int
    metrics: LayerMetrics = LayerMetrics()
    layer_class: LayerClass | None = None
    rule: str = ""


class LayerReport(Record):
    """One layer over the run: its classes epoch by epoch and the class that sums it up."""

    name: str
    type: str | None = None
    epochs: list[LayerEpoch] = []
    summary_class: LayerClass | None = None
    summary_share: Finite = Field(
        None, description="share of the monitored epochs in which the layer had summary_class"
    )
    class_changes: int = 0
    priority: str | None = None  # seed 001's monitoring priority of the summary class
    recommendation: str = ""


class Anomaly(Record):
    """One anomaly (seed 001): what, where, how bad (1.0 = just over its threshold)."""

    type: AnomalyType
    layer: str | None = None  # None: the model as a whole
    epoch: int | None = None  # None: spread over epochs ("multiple") or the run's end
    severity: float
    description: str
    metric: str | None = None  # the metric that spiked


class MonitoringSummary(VersionedRecord):
    """`monitoring/training_summary.json`: every monitored layer, its classes and anomalies."""

    SCHEMA_VERSION = 1

    monitor_every: int
    epochs_recorded: int
    monitored_epochs: list[int] = []
    layers: list[LayerReport] = []
    anomalies: list[Anomaly] = []
    thresholds: dict[str, float] = {}
    rules: list[str] = []  # the class rules in the order they are tried
    metric_definitions: dict[str, str] = {}
    notes: list[str] = []

    def layer(self, name: str) -> LayerReport | None:
        return next((layer for layer in self.layers if layer.name == name), None)

    def anomalies_of(self, layer: str | None) -> list[Anomaly]:
        return [anomaly for anomaly in self.anomalies if anomaly.layer == layer]
