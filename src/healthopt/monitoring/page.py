"""Layer monitoring's HTML report: one self-contained page from a summary and its pictures.

Plain HTML and inline CSS, no script and no link out: images arrive as data URIs, so the page
opens from disk, in a mail client or an artifact viewer alike. Everything that came from the
records (layer names, types, rules, descriptions) goes through `html.escape`. Without
pictures the page still has every table, the class strip included (as a table).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from healthopt.monitoring.classes import class_color
from healthopt.records.monitoring import METRIC_NAMES, Anomaly, LayerReport, MonitoringSummary


@dataclass(frozen=True)
class Picture:
    """One drawn file: where it lies (relative to the report), its bytes as a data URI."""

    file: str
    uri: str
    alt: str


@dataclass(frozen=True)
class Pictures:
    """The images a page shows: the class strip, the run-wide figures, each layer's own."""

    class_strip: Picture | None = None
    overview: Sequence[Picture] = ()
    layers: Mapping[str, Sequence[Picture]] = field(default_factory=dict)


def report_page(
    summary: MonitoringSummary,
    *,
    title: str,
    pictures: Pictures = Pictures(),
    notes: Sequence[str] = (),
) -> str:
    """The whole HTML document."""
    sections = [
        f"<h1>{_e(title)}</h1>",
        _overview(summary),
        _layer_table(summary),
        _class_strip(summary, pictures.class_strip),
        _anomaly_table(summary.anomalies),
        _figures(pictures.overview),
        *(
            _layer_section(i, layer, pictures.layers.get(layer.name, ()))
            for i, layer in enumerate(summary.layers)
        ),
        _rules(summary),
        _definitions(summary),
        _notes([*summary.notes, *notes]),
    ]
    body = "\n".join(section for section in sections if section)
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n"
        "</body>\n</html>\n"
    )


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1200px;padding:0 1rem;color:#222;line-height:1.4}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 .4rem;border-radius:.3rem;color:#000;font-weight:600}
.strip td{width:1.6rem;text-align:center;font-size:.75rem;padding:.15rem}
.strip th{font-weight:normal}
img{max-width:100%;height:auto;border:1px solid #eee;margin:.3rem 0}
.nowrap{white-space:nowrap}.sev-high{color:#b00020;font-weight:600}.muted{color:#666}
section.layer{margin-top:1.5rem}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:.5rem}
figure{margin:0}
"""


def _overview(summary: MonitoringSummary) -> str:
    epochs = ", ".join(str(epoch) for epoch in summary.monitored_epochs) or "none"
    every = "every epoch" if summary.monitor_every == 1 else f"every {summary.monitor_every} epochs"
    return (
        '<p data-testid="overview">'
        f"{summary.epochs_recorded} epochs recorded, monitored {_e(every)} (and the last): "
        f"epochs {_e(epochs)} (counted from 0). {len(summary.layers)} layers with trainable "
        f"weights, {len(summary.anomalies)} anomalies.</p>"
    )


def _badge(layer_class: str | None) -> str:
    label = layer_class or "not classed"
    return f'<span class="badge" style="background:{class_color(layer_class)}">{_e(label)}</span>'


def _layer_table(summary: MonitoringSummary) -> str:
    rows = "".join(
        f'<tr><td><a href="#layer-{index}">{_e(layer.name)}</a></td><td>{_e(layer.type or "")}'
        f"</td><td>{_badge(layer.summary_class)}</td><td class=num>{_share(layer)}</td>"
        f"<td>{_e(layer.priority or '')}</td><td class=num>{layer.class_changes}</td>"
        f"<td>{_e(layer.recommendation)}</td></tr>"
        for index, layer in enumerate(summary.layers)
    )
    return (
        "<h2>Layers</h2>"
        '<table data-testid="layer-table"><thead><tr><th>Layer</th><th>Type</th>'
        "<th>Summary class</th><th>Share</th><th>Priority</th><th>Class changes</th>"
        f"<th>Recommendation</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _share(layer: LayerReport) -> str:
    return "" if layer.summary_share is None else f"{layer.summary_share:.0%}"


def _class_strip(summary: MonitoringSummary, picture: Picture | None) -> str:
    """The strip as a table (always, with each cell's rule on hover), and its PNG if drawn."""
    head = "".join(f"<th>{epoch}</th>" for epoch in summary.monitored_epochs)
    rows = []
    for layer in summary.layers:
        by_epoch = {entry.epoch: entry for entry in layer.epochs}
        cells = []
        for epoch in summary.monitored_epochs:
            entry = by_epoch.get(epoch)
            layer_class = None if entry is None else entry.layer_class
            tip = (
                "not recorded" if entry is None else f"{layer_class or 'not classed'}: {entry.rule}"
            )
            initial = layer_class[0] if layer_class else "&middot;"
            cells.append(
                f'<td style="background:{class_color(layer_class)}" title="{_e(tip)}">'
                f"{initial}</td>"
            )
        rows.append(f"<tr><th>{_e(layer.name)}</th>{''.join(cells)}</tr>")
    return (
        "<h2>Classes by epoch</h2>"
        '<table class="strip" data-testid="class-strip"><thead><tr><th>layer \\ epoch</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{_image(picture)}"
    )


def _anomaly_table(anomalies: Sequence[Anomaly]) -> str:
    if not anomalies:
        return '<h2>Anomalies</h2><p data-testid="anomalies">No anomalies found.</p>'
    rows = "".join(
        f"<tr><td>{_e(a.type)}</td><td>{_e(a.layer or 'the model')}</td>"
        f'<td class="nowrap">{_e(_anomaly_epoch(a))}</td>'
        f'<td class="num{" sev-high" if a.severity >= 2 else ""}">{a.severity:.2f}</td>'
        f"<td>{_e(a.description)}</td></tr>"
        for a in anomalies
    )
    return (
        '<h2>Anomalies</h2><table data-testid="anomalies"><thead><tr><th>Type</th>'
        "<th>Layer</th><th>Epoch</th><th>Severity</th><th>Description</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        '<p class="muted">Severity 1 is just over the threshold.</p>'
    )


def _anomaly_epoch(anomaly: Anomaly) -> str:
    if anomaly.epoch is not None:
        return str(anomaly.epoch)
    return "multiple" if anomaly.type == "classification_instability" else "whole run"


def _figures(pictures: Sequence[Picture]) -> str:
    if not pictures:
        return ""
    return "<h2>Metrics and distributions</h2>" + "".join(_image(p) for p in pictures)


def _layer_section(index: int, layer: LayerReport, pictures: Sequence[Picture]) -> str:
    head = "".join(f"<th>{_e(m.replace('_', ' '))}</th>" for m in METRIC_NAMES)
    rows = "".join(
        f"<tr><td class=num>{entry.epoch}</td><td>{_badge(entry.layer_class)}</td>"
        f"<td>{_e(entry.rule)}</td>"
        + "".join(f"<td class=num>{_number(entry.metrics.get(m))}</td>" for m in METRIC_NAMES)
        + "</tr>"
        for entry in layer.epochs
    )
    images = "".join(_image(picture) for picture in pictures)
    if images:
        images = f'<div class="gallery">{images}</div>'
    kind = f" <span class=muted>({_e(layer.type)})</span>" if layer.type else ""
    return (
        f'<section class="layer" id="layer-{index}"><h2>{_e(layer.name)}{kind} '
        f"{_badge(layer.summary_class)}</h2><p>{_e(layer.recommendation)}</p>"
        f"<table><thead><tr><th>Epoch</th><th>Class</th><th>Rule</th>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table>{images}</section>"
    )


def _number(value: float | None) -> str:
    return "&ndash;" if value is None else f"{value:.3f}"


def _image(picture: Picture | None) -> str:
    if picture is None:
        return ""
    return (
        f'<figure><img src="{_e(picture.uri)}" alt="{_e(picture.alt)}" '
        f'data-file="{_e(picture.file)}"><figcaption class=muted>{_e(picture.file)}'
        "</figcaption></figure>"
    )


def _rules(summary: MonitoringSummary) -> str:
    rules = "".join(f"<li>{_e(rule)}</li>" for rule in summary.rules)
    thresholds = "".join(
        f"<tr><td>{_e(name)}</td><td class=num>{value:g}</td></tr>"
        for name, value in summary.thresholds.items()
    )
    return (
        "<h2>Class rules</h2><p>Tried in this order at each monitored epoch; the first that "
        f'holds gives the class.</p><ol data-testid="rules">{rules}</ol>'
        "<h3>Thresholds (classes and anomalies)</h3>"
        "<table><thead><tr><th>Threshold</th><th>Value</th></tr></thead>"
        f"<tbody>{thresholds}</tbody></table>"
    )


def _definitions(summary: MonitoringSummary) -> str:
    rows = "".join(
        f"<tr><th>{_e(name)}</th><td>{_e(text)}</td></tr>"
        for name, text in summary.metric_definitions.items()
    )
    return (
        "<h2>Metric definitions</h2><p>Each metric is on [0, 1], measured on the observer's "
        f"fixed probe batch.</p><table>{rows}</table>"
    )


def _notes(notes: Sequence[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{_e(note)}</li>" for note in notes)
    return f'<h2>Notes</h2><ul data-testid="notes">{items}</ul>'
