"""`write_monitoring`: seed 001's output folder for one training run.

Under `out/` (a trial's `monitoring/`):

    training_summary.json            the MonitoringSummary, always
    layer_visualizations/{layer}_{Class}_epoch_{NNNN}.png
    metrics_evolution.png
    layer_classifications.png
    distribution_evolution.gif       (the four above when draw=True)
    monitoring_report.html           always; self-contained, every image inline

Long runs would make hundreds of layer images, so at most MAX_LAYER_IMAGES monitored epochs
per layer (first, last, evenly between) and MAX_LAYERS_DRAWN layers get one; the report's
notes say what was left out. A figure that fails is noted and the others are still drawn.
The seed's files from an earlier call are removed first, so the folder always shows this
call's run and none of another's.
"""

from __future__ import annotations

import base64
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from healthopt.jsonio import write_json_atomic
from healthopt.monitoring.layout import CLASS_STRIP_FILE, REPORT_FILE, SUMMARY_FILE
from healthopt.monitoring.page import Picture, Pictures, report_page
from healthopt.monitoring.summary import monitor
from healthopt.records import EpochRecord
from healthopt.records.monitoring import (
    LayerEpoch,
    LayerReport,
    MonitoringSummary,
)
from healthopt.safe_names import MAX_LENGTH, safe_name

LAYER_DIR = "layer_visualizations"
METRICS_FILE = "metrics_evolution.png"
DISTRIBUTION_FILE = "distribution_evolution.gif"
MAX_LAYER_IMAGES = 4
MAX_LAYERS_DRAWN = 16
_LAYER_IMAGE = re.compile(r".+_epoch_\d{4,}\.png")
_PRIORITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
# Matplotlib is not thread-safe (its rc settings are process-wide, and the figures here are
# drawn under `rc_context`), and the API draws reports in worker threads: one at a time.
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class MonitoringFiles:
    """What `write_monitoring` wrote: the summary, the files (relative to `out`, in the
    order written) and notes on what was capped or failed."""

    summary: MonitoringSummary
    written: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def write_monitoring(
    records: Sequence[EpochRecord],
    out: Path,
    *,
    every: int | None = None,
    draw: bool = True,
    title: str = "",
) -> MonitoringFiles:
    """Monitor `records` (every `every`-th epoch; None: `summary.default_every`) and write the
    seed's files under `out`; see the module docstring."""
    summary = monitor(records, every)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _remove_earlier_files(out)
    write_json_atomic(out / SUMMARY_FILE, summary.to_json())
    drawing = _Drawing(out)
    if draw and not summary.layers:
        drawing.notes.append("no monitored layer: no figures drawn")
    elif draw:
        with _DRAWING:
            _draw_all(drawing, summary, records)
    page = report_page(
        summary,
        title=title or "Layer monitoring report",
        pictures=drawing.pictures(),
        notes=drawing.notes,
    )
    _write_text_atomic(out / REPORT_FILE, page)
    return MonitoringFiles(
        summary=summary,
        written=[SUMMARY_FILE, *drawing.written, REPORT_FILE],
        notes=drawing.notes,
    )


@dataclass
class _Drawing:
    """The files drawn so far (each read back as a data URI) and the notes on them."""

    out: Path
    written: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    drawn: dict[str, Picture] = field(default_factory=dict)  # by file, relative to out
    layer_images: dict[str, list[Picture]] = field(default_factory=dict)  # by layer name

    def attempt(self, relative: str, what: str, draw: Callable[[Path], object]) -> object:
        """Draw one file; a failure is noted (and a half-written file removed), not raised,
        so one bad figure costs only itself."""
        path = self.out / relative
        try:
            result = draw(path)
        except Exception as exc:  # any figure error: the report must still be written
            if path.is_file():
                path.unlink()
            self.notes.append(f"{what} ({relative}) was not drawn: {type(exc).__name__}: {exc}")
            return None
        self.written.append(relative)
        self.drawn[relative] = Picture(file=relative, uri=_data_uri(path), alt=what)
        return result

    def pictures(self) -> Pictures:
        overview = [self.drawn[f] for f in (METRICS_FILE, DISTRIBUTION_FILE) if f in self.drawn]
        return Pictures(
            class_strip=self.drawn.get(CLASS_STRIP_FILE),
            overview=overview,
            layers=self.layer_images,
        )


def _draw_all(
    drawing: _Drawing, summary: MonitoringSummary, records: Sequence[EpochRecord]
) -> None:
    from healthopt.monitoring import render  # matplotlib only when there is something to draw

    by_epoch = render.records_by_epoch(records)
    drawn = _layers_drawn(summary)
    if len(drawn) < len(summary.layers):
        drawing.notes.append(
            f"layer visualizations and distributions for {len(drawn)} of {len(summary.layers)} "
            f"layers (at most {MAX_LAYERS_DRAWN}: those with anomalies and the highest "
            "monitoring priority first)"
        )
    capped = 0
    figure = render.LayerFigure(summary.thresholds)
    for layer, stem in zip(drawn, _file_stems([layer.name for layer in drawn]), strict=True):
        entries = _entries_drawn(layer)
        capped += len(entries) < len(layer.epochs)
        for entry in entries:
            record = by_epoch.get(entry.epoch)
            health = None if record is None else record.layers.get(layer.name)
            histogram = None if health is None else health.activation_histogram
            relative = f"{LAYER_DIR}/{layer_image_name(stem, entry)}"
            drawn_path = drawing.attempt(
                relative,
                f"the visualization of {layer.name} at epoch {entry.epoch}",
                partial(figure.draw, layer, entry, histogram),
            )
            if drawn_path is not None:
                drawing.layer_images.setdefault(layer.name, []).append(drawing.drawn[relative])
    if capped:
        drawing.notes.append(
            f"{capped} layer(s) were monitored at more than {MAX_LAYER_IMAGES} epochs: each has "
            f"visualizations at {MAX_LAYER_IMAGES} of them (first, last and evenly between)"
        )
    drawing.attempt(
        METRICS_FILE, "the metrics evolution", lambda p: render.metrics_evolution(summary, p)
    )
    drawing.attempt(
        CLASS_STRIP_FILE, "the class strip", lambda p: render.layer_classifications(summary, p)
    )
    shown = drawing.attempt(
        DISTRIBUTION_FILE,
        "the distribution animation",
        lambda p: render.distribution_evolution(summary, records, p, layers=drawn),
    )
    if isinstance(shown, list) and len(shown) < len(summary.monitored_epochs):
        drawing.notes.append(
            f"the distribution animation shows {len(shown)} of the "
            f"{len(summary.monitored_epochs)} monitored epochs (at most {render.MAX_FRAMES} "
            "frames, evenly spread)"
        )


def layer_image_name(stem: str, entry: LayerEpoch) -> str:
    """`{layer}_{Class}_epoch_{NNNN}.png`, the seed's name less its timestamp (the folder is
    per trial, so the epoch alone names the image)."""
    return f"{stem}_{entry.layer_class or 'unclassed'}_epoch_{entry.epoch:04d}.png"


def _layers_drawn(summary: MonitoringSummary) -> list[LayerReport]:
    """Every layer, or for big models the MAX_LAYERS_DRAWN that most need a look, in model
    order."""
    if len(summary.layers) <= MAX_LAYERS_DRAWN:
        return list(summary.layers)
    flagged = {anomaly.layer for anomaly in summary.anomalies}

    def rank(index: int) -> tuple[bool, int, int]:
        layer = summary.layers[index]
        return layer.name not in flagged, _PRIORITY_RANK.get(layer.priority or "", 4), index

    chosen = sorted(sorted(range(len(summary.layers)), key=rank)[:MAX_LAYERS_DRAWN])
    return [summary.layers[i] for i in chosen]


def _entries_drawn(layer: LayerReport) -> list[LayerEpoch]:
    from healthopt.monitoring import render

    positions = render.evenly(range(len(layer.epochs)), MAX_LAYER_IMAGES)
    return [layer.epochs[i] for i in positions]


def _file_stems(names: Sequence[str]) -> list[str]:
    """A safe file-name part per layer name: characters a file name must not carry become
    '_', and two names that end up alike are told apart by their position."""
    stems: list[str] = []
    for index, name in enumerate(names):
        base = re.sub(r"[^A-Za-z0-9._-]", "_", name)[: MAX_LENGTH - 40].lstrip(".-") or "layer"
        stem, tries = base, 0
        while stem in stems:
            tries += 1
            stem = f"{base}_{index}" if tries == 1 else f"{base}_{index}_{tries}"
        stems.append(safe_name(stem, "a layer's file name"))
    return stems


def _remove_earlier_files(out: Path) -> None:
    for name in (METRICS_FILE, CLASS_STRIP_FILE, DISTRIBUTION_FILE):
        if (out / name).is_file():
            (out / name).unlink()
    folder = out / LAYER_DIR
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and _LAYER_IMAGE.fullmatch(path.name):
                path.unlink()


def _data_uri(path: Path) -> str:
    kind = "image/gif" if path.suffix == ".gif" else "image/png"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
