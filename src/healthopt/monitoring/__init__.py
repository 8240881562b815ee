"""Layer monitoring (seed 001): what each layer does while it trains.

`monitor(records)` turns a trial's epoch records into a `MonitoringSummary`: seed 001's
metrics per layer and monitored epoch, the behaviour class each layer had, a summary class,
anomalies, and a recommendation per layer. `healthopt.monitoring.report` writes the seed's
files (images, GIF, JSON, a self-contained HTML report) under a trial's `monitoring/`.
"""

from healthopt.monitoring.summary import default_every, monitor, monitored_positions

__all__ = ["default_every", "monitor", "monitored_positions"]
