/**
 * The runs in the server's results folder (jobs and CLI runs alike) and their trials: the API
 * calls, the dashboard's links between them, and the learning-curve figure of one trial.
 */
import type { Data, Layout } from "plotly.js-dist-min";

import { apiData } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";

type Schemas = components["schemas"];

export type RunList = Schemas["RunList"];
export type RunSummary = Schemas["RunSummary"];
export type TrialPage = Schemas["TrialPage"];
export type TrialDetail = Schemas["TrialDetail"];

/** The files GET /runs/{run}/export writes, as its `format` names them. */
export const EXPORT_FORMATS = ["csv", "parquet", "json"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The trial states GET /runs/{run}/trials filters on. */
export const TRIAL_STATES = ["COMPLETE", "PRUNED", "FAIL"] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

/** Trials per page of the trial list; the API allows up to 500. */
export const PAGE_SIZE = 50;

function query(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}

/** The dashboard page of one trial. */
export function trialHref(run: string, trial: number): string {
  return `/trial?${query({ run, n: String(trial) })}`;
}

/** The dashboard page listing one run's trials. */
export function trialsHref(run: string): string {
  return `/trials?${query({ run })}`;
}

/** The dashboard page of one run's views (history, importance, parallel coordinates...). */
export function viewsHref(run: string): string {
  return `/views?${query({ run })}`;
}

/** The API path that exports every trial of a run as one file. */
export function exportPath(run: string, format: ExportFormat): string {
  return `/runs/${encodeURIComponent(run)}/export?${query({ format })}`;
}

/** The file name the server gives an export (used when its header names none). */
export function exportFileName(run: string, format: ExportFormat): string {
  return `${run}_trials.${format}`;
}

/** A trial number from the page's query (`n=`), or null when it is not a whole number ≥ 0. */
export function parseTrialNumber(text: string | null): number | null {
  if (text === null || !/^\d+$/.test(text.trim())) return null;
  return Number(text.trim());
}

/** GET /runs: every run folder of the server's results folder, newest first. */
export function loadRuns(): Promise<RunList> {
  return apiData((client) => client.GET("/runs"));
}

export interface TrialQuery {
  offset: number;
  limit: number;
  /** Only trials in this state; every state when null. */
  state: TrialState | null;
}

/** GET /runs/{run}/trials: one page of a run's trials. */
export function loadTrialPage(
  run: string,
  { offset, limit, state }: TrialQuery,
): Promise<TrialPage> {
  return apiData((client) =>
    client.GET("/runs/{run}/trials", {
      params: { path: { run }, query: { offset, limit, ...(state ? { state } : {}) } },
    }),
  );
}

/** GET /runs/{run}/trials/{n}: everything recorded about one trial. */
export function loadTrialDetail(run: string, trial: number): Promise<TrialDetail> {
  return apiData((client) =>
    client.GET("/runs/{run}/trials/{trial}", { params: { path: { run, trial } } }),
  );
}

export interface Neighbours {
  previous: number | null;
  next: number | null;
}

/** The trials just before and after `trial` among `numbers` (any order, gaps allowed). */
export function neighbours(numbers: readonly number[], trial: number): Neighbours {
  let previous: number | null = null;
  let next: number | null = null;
  for (const number of numbers) {
    if (number < trial && (previous === null || number > previous)) previous = number;
    if (number > trial && (next === null || number < next)) next = number;
  }
  return { previous, next };
}

/**
 * The trials before and after `trial` in its run. The list is ordered by number, so a trial's
 * position is at most its number: the three around position n-1 hold both neighbours when the
 * numbers have no gaps (the usual case); otherwise the first page of 500 is searched.
 */
export async function loadNeighbours(run: string, trial: number): Promise<Neighbours> {
  const near = await loadTrialPage(run, { offset: Math.max(0, trial - 1), limit: 3, state: null });
  const numbers = near.trials.map((t) => t.number);
  const found = neighbours(numbers, trial);
  const complete =
    numbers.includes(trial) &&
    (found.previous === trial - 1 || trial === 0) &&
    (found.next === trial + 1 || near.offset + near.trials.length >= near.total);
  if (complete) return found;
  const wide = await loadTrialPage(run, { offset: 0, limit: 500, state: null });
  return neighbours(
    wide.trials.map((t) => t.number),
    trial,
  );
}

/** A first-to-last range of a page, as "51–100 of 230" reads it. */
export function pageRange(offset: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return `0 of ${total}`;
  return `${offset + 1}–${offset + shown} of ${total}`;
}

/** The plotly figure of a trial's learning curves (Keras history: metric -> value per epoch),
 * one line per metric, losses on their own right-hand axis since they are not 0-1 fractions;
 * null when the trial recorded no epoch. Missing epochs (null) stay gaps. */
export function learningCurveFigure(
  curves: Record<string, (number | null)[]>,
): { data: Data[]; layout: Partial<Layout> } | null {
  const names = Object.keys(curves)
    .filter((name) => curves[name].length > 0)
    .sort(metricOrder);
  if (names.length === 0) return null;
  const hasLoss = names.some(isLoss);
  const others = names.filter((name) => !isLoss(name));
  const hasOther = others.length > 0;
  const leftTitle = !hasOther
    ? "Loss"
    : others.every((name) => name.includes("acc"))
      ? "Accuracy"
      : "Metric";
  const data: Data[] = names.map((name) => ({
    type: "scatter",
    mode: "lines+markers",
    name,
    x: curves[name].map((_, index) => index + 1),
    y: curves[name],
    // With both kinds present, losses go to the right-hand axis.
    yaxis: hasLoss && hasOther && isLoss(name) ? "y2" : "y",
  }));
  const layout: Partial<Layout> = {
    title: { text: "Learning curves" },
    xaxis: { title: { text: "Epoch" }, dtick: 1 },
    yaxis: { title: { text: leftTitle } },
    legend: { orientation: "h", y: -0.2 },
    margin: { t: 40, r: 60, b: 40, l: 60 },
  };
  if (hasLoss && hasOther) {
    layout.yaxis2 = { title: { text: "Loss" }, overlaying: "y", side: "right" };
  }
  return { data, layout };
}

function isLoss(name: string): boolean {
  return name.includes("loss");
}

// Training before validation, accuracy before loss, so the legend reads in pairs.
function metricOrder(a: string, b: string): number {
  const rank = (name: string) => (name.startsWith("val_") ? 1 : 0) + (isLoss(name) ? 2 : 0);
  return rank(a) - rank(b) || a.localeCompare(b);
}
