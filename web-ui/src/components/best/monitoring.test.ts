import { describe, expect, it } from "vitest";

import {
  anomalyRows,
  classAbbreviation,
  classStrip,
  lockedDownReport,
  type MonitoringAnomaly,
  type MonitoringSummary,
  monitoringReportPath,
  REPORT_POLICY,
} from "./monitoring";

function summaryFixture(extra: Partial<MonitoringSummary> = {}): MonitoringSummary {
  const entry = (epoch: number, layer_class: MonitoringSummary["layers"][0]["summary_class"]) => ({
    epoch,
    layer_class,
    rule: layer_class === null ? "not classed: entropy not recorded" : `rule of ${layer_class}`,
    metrics: {},
  });
  return {
    schema_version: 1,
    monitor_every: 2,
    epochs_recorded: 5,
    monitored_epochs: [0, 2, 4],
    layers: [
      {
        name: "conv_0",
        type: "Conv2D",
        epochs: [entry(0, "Trickster"), entry(2, "Sentinel"), entry(4, "Trickster")],
        summary_class: "Trickster",
        summary_share: 2 / 3,
        class_changes: 2,
        priority: "critical",
        recommendation: "Its behaviour has not settled.",
      },
      {
        name: "dense_0",
        type: "Dense",
        // No record at epoch 2, and no class at epoch 4.
        epochs: [entry(0, "Sentinel"), entry(4, null)],
        summary_class: "Sentinel",
        summary_share: 0.5,
        class_changes: 0,
        priority: "medium",
        recommendation: "Stable and strong; nothing to change.",
      },
    ],
    anomalies: [
      {
        type: "classification_instability",
        layer: "conv_0",
        epoch: null,
        severity: 2.2,
        description: "conv_0 changed class 2 times in 3 monitored epochs",
      },
      {
        type: "metric_spike",
        layer: "dense_0",
        epoch: 4,
        severity: 10,
        metric: "entropy",
        description: "entropy of dense_0 jumped",
      },
      {
        type: "convergence_issue",
        layer: null,
        epoch: 4,
        severity: 1,
        description: "the training loss did not fall",
      },
    ],
    thresholds: {},
    rules: [],
    metric_definitions: {},
    notes: [],
    ...extra,
  };
}

describe("classStrip", () => {
  it("lays the classes out by layer and monitored epoch, with a tooltip per cell", () => {
    const strip = classStrip(summaryFixture());
    expect(strip.epochs).toEqual([0, 2, 4]);
    expect(strip.rows.map((row) => row.layer)).toEqual(["conv_0", "dense_0"]);
    expect(strip.rows[0].cells.map((cell) => cell?.layerClass)).toEqual([
      "Trickster",
      "Sentinel",
      "Trickster",
    ]);
    expect(strip.rows[0].cells[1]?.title).toBe("conv_0, epoch 2: Sentinel (rule of Sentinel)");
    // dense_0 was not recorded at epoch 2 and not classed at epoch 4.
    expect(strip.rows[1].cells[1]).toBeNull();
    expect(strip.rows[1].cells[2]).toMatchObject({ epoch: 4, layerClass: null });
    expect(strip.rows[1].cells[2]?.title).toBe(
      "dense_0, epoch 4: Not classed (not classed: entropy not recorded)",
    );
  });

  it("lists only the classes present, in the seed's order, and whether one is unclassed", () => {
    const strip = classStrip(summaryFixture());
    expect(strip.legend).toEqual(["Sentinel", "Trickster"]);
    expect(strip.unclassed).toBe(true);
    const allClassed = summaryFixture();
    allClassed.layers = allClassed.layers.slice(0, 1);
    expect(classStrip(allClassed).unclassed).toBe(false);
  });

  it("is empty for a summary without layers", () => {
    const strip = classStrip(summaryFixture({ layers: [], monitored_epochs: [] }));
    expect(strip).toEqual({ epochs: [], rows: [], legend: [], unclassed: false });
  });
});

describe("classAbbreviation", () => {
  it("tells Alchemist from Archivist", () => {
    expect(classAbbreviation("Alchemist")).toBe("Al");
    expect(classAbbreviation("Archivist")).toBe("Ar");
    expect(classAbbreviation(null)).toBe("–");
  });
});

describe("anomalyRows", () => {
  it("puts the most severe first and words the missing layer and epoch", () => {
    const rows = anomalyRows(summaryFixture().anomalies as MonitoringAnomaly[]);
    expect(rows).toEqual([
      {
        type: "Metric spike (entropy)",
        layer: "dense_0",
        epoch: "4",
        severity: "10.0×",
        description: "entropy of dense_0 jumped",
      },
      {
        type: "Unstable class",
        layer: "conv_0",
        epoch: "several",
        severity: "2.2×",
        description: "conv_0 changed class 2 times in 3 monitored epochs",
      },
      {
        type: "Convergence issue",
        layer: "whole model",
        epoch: "4",
        severity: "1.0×",
        description: "the training loss did not fall",
      },
    ]);
  });
});

describe("lockedDownReport", () => {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${REPORT_POLICY}">`;

  it("puts the content policy first in the report's head", () => {
    const page = '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8"></head>';
    expect(lockedDownReport(page)).toBe(
      `<!doctype html>\n<html lang="en">\n<head>${meta}\n<meta charset="utf-8"></head>`,
    );
    expect(lockedDownReport('<HEAD class="x"><title>t</title>')).toBe(
      `<HEAD class="x">${meta}<title>t</title>`,
    );
  });

  it("gives a page without a head one", () => {
    expect(lockedDownReport("<p>hi</p>")).toBe(
      `<!doctype html><html><head>${meta}</head><body><p>hi</p></body></html>`,
    );
  });

  it("does not take a <header> for the head", () => {
    expect(lockedDownReport("<header>x</header>")).toContain(`<head>${meta}</head>`);
  });
});

describe("monitoringReportPath", () => {
  it("is the API's report route", () => {
    expect(monitoringReportPath("abc", 3)).toBe("/jobs/abc/trials/3/monitoring/report");
  });
});
