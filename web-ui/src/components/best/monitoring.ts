/** Layer monitoring (seed 001) for the screen: the class strip's grid, the anomalies in the
 * order to read them, and the report made safe to open from the dashboard's own origin. */

import type { components } from "@/lib/api/schema";

type Schemas = components["schemas"];

export type MonitoringSummary = Schemas["MonitoringSummary"];
export type MonitoringLayer = Schemas["LayerReport"];
export type MonitoringAnomaly = Schemas["Anomaly"];
export type LayerClass = NonNullable<MonitoringLayer["summary_class"]>;

/** The seven classes in the seed's order (the order of the rules and of the legend). */
export const LAYER_CLASSES: readonly LayerClass[] = [
  "Oracle",
  "Sentinel",
  "Alchemist",
  "Archivist",
  "Trickster",
  "Luminary",
  "Wanderer",
];

/** Okabe-Ito, as the report's figures colour the classes (healthopt.monitoring.classes), so a
 * class looks the same on the page and in the report; text picked for contrast. */
export const CLASS_COLOURS: Record<LayerClass, { background: string; text: string }> = {
  Oracle: { background: "#CC79A7", text: "#111827" },
  Sentinel: { background: "#0072B2", text: "#ffffff" },
  Alchemist: { background: "#E69F00", text: "#111827" },
  Archivist: { background: "#56B4E9", text: "#111827" },
  Trickster: { background: "#D55E00", text: "#111827" },
  Luminary: { background: "#F0E442", text: "#111827" },
  Wanderer: { background: "#009E73", text: "#111827" },
};
export const UNCLASSED_COLOUR = { background: "#BBBBBB", text: "#111827" };

/** What a cell says in letters, for readers who do not tell the colours apart: two letters,
 * since Alchemist and Archivist share their first. */
export function classAbbreviation(layerClass: LayerClass | null): string {
  return layerClass ? layerClass.slice(0, 2) : "–";
}

export interface StripCell {
  epoch: number;
  layerClass: LayerClass | null;
  rule: string;
  /** The tooltip: class, the rule that gave it (or why none could), and the epoch. */
  title: string;
}

export interface StripRow {
  layer: string;
  type: string | null;
  /** One per monitored epoch; null where the layer has no record for that epoch. */
  cells: (StripCell | null)[];
}

export interface ClassStrip {
  epochs: number[];
  rows: StripRow[];
  /** Only the classes present, in the seed's order. */
  legend: LayerClass[];
  /** Whether some cell has no class (a legend entry for it). */
  unclassed: boolean;
}

/** The class strip: a row per monitored layer, a column per monitored epoch. */
export function classStrip(summary: MonitoringSummary): ClassStrip {
  const epochs = summary.monitored_epochs ?? [];
  const present = new Set<LayerClass>();
  let unclassed = false;
  const rows = (summary.layers ?? []).map((layer): StripRow => {
    const byEpoch = new Map((layer.epochs ?? []).map((entry) => [entry.epoch, entry]));
    const cells = epochs.map((epoch): StripCell | null => {
      const entry = byEpoch.get(epoch);
      if (!entry) return null;
      const layerClass = entry.layer_class ?? null;
      if (layerClass) present.add(layerClass);
      else unclassed = true;
      const rule = entry.rule ?? "";
      const what = layerClass ?? "Not classed";
      return {
        epoch,
        layerClass,
        rule,
        title: `${layer.name}, epoch ${epoch}: ${what}${rule ? ` (${rule})` : ""}`,
      };
    });
    return { layer: layer.name, type: layer.type ?? null, cells };
  });
  return { epochs, rows, legend: LAYER_CLASSES.filter((c) => present.has(c)), unclassed };
}

const ANOMALY_NAMES: Record<MonitoringAnomaly["type"], string> = {
  metric_spike: "Metric spike",
  classification_instability: "Unstable class",
  convergence_issue: "Convergence issue",
};

export interface AnomalyRow {
  type: string;
  layer: string;
  epoch: string;
  severity: string;
  description: string;
}

/** The anomalies, most severe first (ties keep the summary's order), worded for a table. */
export function anomalyRows(anomalies: readonly MonitoringAnomaly[]): AnomalyRow[] {
  return [...anomalies]
    .sort((a, b) => b.severity - a.severity)
    .map((anomaly) => ({
      type: ANOMALY_NAMES[anomaly.type] + (anomaly.metric ? ` (${anomaly.metric})` : ""),
      layer: anomaly.layer ?? "whole model",
      // No epoch: the anomaly is spread over the run (an unstable class, a dead layer).
      epoch: anomaly.epoch === null || anomaly.epoch === undefined ? "several" : `${anomaly.epoch}`,
      severity: `${anomaly.severity.toFixed(1)}×`,
      description: anomaly.description,
    }));
}

/** The API path of a trial's HTML report. */
export function monitoringReportPath(jobId: string, trial: number): string {
  return `/jobs/${encodeURIComponent(jobId)}/trials/${trial}/monitoring/report`;
}

/** The report's content policy: its own inline styles and data: images, nothing else. */
export const REPORT_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/**
 * The report with a content policy of its own. Opened from a blob: URL it runs in the
 * dashboard's origin, where the API token is kept, and the server's CSP header does not
 * travel with a blob; the report needs no script, so none may run.
 */
export function lockedDownReport(html: string): string {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${REPORT_POLICY}">`;
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) {
    const at = head.index + head[0].length;
    return `${html.slice(0, at)}${meta}${html.slice(at)}`;
  }
  return `<!doctype html><html><head>${meta}</head><body>${html}</body></html>`;
}
