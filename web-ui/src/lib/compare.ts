/**
 * Runs side by side (`/compare?runs=a,b`): the page's query, the API call, and how a
 * comparison reads on screen (verdicts, values, the overlaid validation curves).
 */
import type { Data, Layout } from "plotly.js-dist-min";

import { apiData } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { formatFraction, formatScore } from "@/lib/format";
import { formatPValue } from "@/lib/views";

type Schemas = components["schemas"];

export type RunComparison = Schemas["RunComparison"];
export type ComparedRun = Schemas["ComparedRun"];
export type MetricComparison = Schemas["MetricComparison"];

/** The run names of `?runs=`: comma-separated, trimmed, each once, in the order given. */
export function parseRunsParam(value: string | null): string[] {
  const names = (value ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  return [...new Set(names)];
}

/** The dashboard page comparing `runs`. */
export function compareHref(runs: readonly string[]): string {
  // Commas stay literal: they separate the names, as the API's own `runs=a,b` does.
  return `/compare?runs=${runs.map(encodeURIComponent).join(",")}`;
}

/** GET /compare?runs=a&runs=b. */
export function loadComparison(runs: readonly string[]): Promise<RunComparison> {
  return apiData((client) =>
    client.GET("/compare", { params: { query: { runs: [...runs] } } }),
  );
}

/** Whether a metric differs between the runs beyond run-to-run noise, in words. */
export interface Verdict {
  text: string;
  tone: "differs" | "same" | "untested";
}

/** A metric's test in words: "differs beyond noise (welch_t, p = 0.0031)", "within noise
 * (…)", or the reason it was not tested. */
export function verdict(metric: MetricComparison): Verdict {
  const test = metric.test ? `${metric.test}, ${formatPValue(metric.p_value)}` : null;
  if (metric.significant === true) {
    return { text: `differs beyond noise (${test})`, tone: "differs" };
  }
  if (metric.significant === false) {
    return { text: `within run-to-run noise (${test})`, tone: "same" };
  }
  return { text: metric.reason ?? "not tested", tone: "untested" };
}

const METRICS: Record<string, string> = {
  val_accuracy: "Val accuracy",
  test_accuracy: "Test accuracy",
  health_score: "Health",
  total_score: "Total score",
  val_loss: "Val loss",
};

/** A metric's name for a table row or an axis: "val_accuracy" -> "Val accuracy". */
export function metricLabel(metric: string): string {
  if (METRICS[metric]) return METRICS[metric];
  const words = metric.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A metric's value: accuracies as percents, everything else (scores in [0, 1]) to 4 places. */
export function formatMetric(metric: string, value: number | null | undefined): string {
  return metric.includes("accuracy") ? formatFraction(value, 2) : formatScore(value);
}

/** A parameter's or setting's value as text; a run that never sampled it says so. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "not set";
  if (typeof value === "number") return String(Number(value.toPrecision(4)));
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** The validation curves the runs' best trials recorded ("val_accuracy" first), each once. */
export function validationMetrics(runs: readonly ComparedRun[]): string[] {
  const names = new Set(
    runs
      .flatMap((run) => Object.keys(run.learning_curves ?? {}))
      .filter((metric) => metric.startsWith("val_")),
  );
  return [...names].sort((a, b) =>
    a === "val_accuracy" ? -1 : b === "val_accuracy" ? 1 : a.localeCompare(b),
  );
}

/** The name of the chart of `metric`'s curves: "Val accuracy of each run's best trial". */
export function curvesTitle(metric: string): string {
  return `${metricLabel(metric)} of each run's best trial`;
}

/** One plotly figure overlaying `metric` per epoch of each run's best trial; null when no
 * run recorded it. */
export function curvesFigure(
  runs: readonly ComparedRun[],
  metric: string,
): { data: Data[]; layout: Partial<Layout> } | null {
  const data: Data[] = runs.flatMap((run) => {
    const values = run.learning_curves?.[metric];
    if (!values || values.length === 0) return [];
    const trial = typeof run.best_trial === "number" ? `, trial ${run.best_trial}` : "";
    return [
      {
        type: "scatter",
        mode: "lines+markers",
        name: `${run.name}${trial}`,
        x: values.map((_, epoch) => epoch + 1),
        // Plotly leaves a gap where a value is missing.
        y: values,
      },
    ];
  });
  if (data.length === 0) return null;
  const label = metricLabel(metric);
  return {
    data,
    layout: {
      // No title inside the chart: on a half-width chart plotly's toolbar covers it; the page
      // names the chart above it instead (curvesTitle).
      xaxis: { title: { text: "Epoch" }, dtick: 1 },
      yaxis: { title: { text: label } },
      legend: { orientation: "h", y: -0.3, yanchor: "top" },
      margin: { t: 32, r: 16, b: 96 },
    },
  };
}
