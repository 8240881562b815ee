/**
 * One run as a whole (`/views?run=`): its figures in reading order, the strongest impact
 * findings, recommendations with their evidence, and the best model's margin over the
 * baselines, as the page shows them.
 */
import { apiData } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { formatFraction } from "@/lib/format";

type Schemas = components["schemas"];

export type RunViews = Schemas["RunViews"];
export type FigureSpec = Schemas["FigureSpec"];
export type ImpactHeatmap = Schemas["ImpactHeatmap"];
export type ImpactFinding = Schemas["ImpactFinding"];
export type RecommendationReport = Schemas["RecommendationReport"];
export type Recommendation = Schemas["Recommendation"];
export type Evidence = Schemas["Evidence"];
export type InsufficientData = Schemas["InsufficientData"];
export type RunDetail = Schemas["RunDetail"];
export type BaselineScore = Schemas["BaselineScore"];

/** The run views' figures in the order the page reads: how the search went, what mattered,
 * how parameters combine, their impact, then the trade-off (pareto runs only). */
export const FIGURE_ORDER = [
  "history",
  "importance_accuracy",
  "importance_health",
  "parallel_coordinates",
  "impact_heatmap",
  "pareto",
] as const;

/** A run's figures in FIGURE_ORDER, then any the page does not know yet, by name. */
export function orderedFigures(figures: Record<string, FigureSpec>): FigureSpec[] {
  const known: readonly string[] = FIGURE_ORDER;
  const rank = (name: string) => (known.includes(name) ? known.indexOf(name) : known.length);
  return Object.entries(figures)
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([name, spec]) => ({ ...spec, name: spec.name || name }));
}

const RANK = { high: 0, medium: 1, low: 2 } as const;

/** Recommendations most urgent first: by priority, then by confidence (stable otherwise). */
export function byPriority(recommendations: readonly Recommendation[]): Recommendation[] {
  return [...recommendations].sort(
    (a, b) => RANK[a.priority] - RANK[b.priority] || RANK[a.confidence] - RANK[b.confidence],
  );
}

const TOPICS: Record<string, string> = {
  learning_rate: "Learning rate",
  overfitting: "Overfitting",
  batch_size: "Batch size",
  convergence: "Convergence",
  historical: "Past runs on this dataset",
};

/** A recommendation topic as a heading: "learning_rate" -> "Learning rate". */
export function topicLabel(topic: string): string {
  return TOPICS[topic] ?? sentenceCase(topic);
}

function sentenceCase(name: string): string {
  const words = name.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A p-value to two significant figures, in exponent form when tiny: "p = 0.031",
 * "p = 2.4e-7"; "p ≈ 0" when it underflowed (a perfect correlation's p is exactly 0.0). */
export function formatPValue(p: number | null | undefined): string {
  if (typeof p !== "number" || !Number.isFinite(p)) return "p = —";
  return p === 0 ? "p ≈ 0" : `p = ${pValue(p)}`;
}

function pValue(p: number): string {
  return p > 0 && p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

function number(value: number): string {
  return String(Number(value.toPrecision(3)));
}

/**
 * The evidence behind a recommendation as one line: the test, its p-value, the effect size
 * or the 95 % interval, and how many observations it rests on.
 */
export function evidenceLine(evidence: Evidence): string {
  const parts = [evidence.test];
  if (typeof evidence.p_value === "number") {
    // Several topics are tested on one run; the adjusted p-value is the one to trust.
    const adjusted = evidence.p_value_adjusted;
    const how = evidence.adjustment ?? "adjusted";
    const after = typeof adjusted === "number" ? ` (${how}: ${pValue(adjusted)})` : "";
    parts.push(`${formatPValue(evidence.p_value)}${after}`);
  }
  if (typeof evidence.effect_size === "number") {
    parts.push(`${evidence.effect_name ?? "effect size"} = ${number(evidence.effect_size)}`);
  }
  if (typeof evidence.ci_low === "number" && typeof evidence.ci_high === "number") {
    const name = evidence.ci_name ?? "";
    // A name may already say what it is ("95% CI of rho ..."); say it once.
    const label = /^95\s?% CI/i.test(name) ? name : `95 % CI${name ? ` of ${name}` : ""}`;
    parts.push(`${label} [${number(evidence.ci_low)}, ${number(evidence.ci_high)}]`);
  }
  parts.push(`n = ${evidence.n}`);
  return parts.join(", ");
}

const BASELINES: Record<string, string> = {
  majority_class: "Majority class",
  logistic_regression: "Logistic regression",
};

/** The best model against one baseline. */
export interface BaselineMargin {
  name: string;
  label: string;
  /** The baseline's validation accuracy. */
  baseline: number | null;
  /** Best trial's val accuracy minus the baseline's; null when either is missing. */
  margin: number | null;
  /** Why there is no margin; null when there is one. */
  reason: string | null;
}

/** The best trial's validation-accuracy margin over each baseline of the run. */
export function baselineMargins(
  best: number | null | undefined,
  scores: readonly BaselineScore[],
): BaselineMargin[] {
  return scores.map((score) => {
    const baseline = score.val_accuracy ?? null;
    const reason = score.error
      ? `the baseline failed: ${score.error}`
      : baseline === null
        ? "the baseline has no validation accuracy"
        : typeof best !== "number"
          ? "the run has no best trial yet"
          : null;
    return {
      name: score.name,
      label: BASELINES[score.name] ?? sentenceCase(score.name),
      baseline,
      margin: reason === null ? (best as number) - (baseline as number) : null,
      reason,
    };
  });
}

/** A margin in accuracy points, signed: 0.153 -> "+15.3 pts", -0.02 -> "−2.0 pts". */
export function formatMargin(margin: number): string {
  const points = formatFraction(Math.abs(margin)).replace("%", "");
  return `${margin < 0 ? "−" : "+"}${points} pts`;
}

const runPath = (run: string) => ({ params: { path: { run } } });

/** GET /runs/{run}/views. */
export function loadRunViews(run: string): Promise<RunViews> {
  return apiData((client) => client.GET("/runs/{run}/views", runPath(run)));
}

/** GET /runs/{run}/recommendations. */
export function loadRecommendations(run: string): Promise<RecommendationReport> {
  return apiData((client) => client.GET("/runs/{run}/recommendations", runPath(run)));
}

/** GET /runs/{run}: the run's summary, settings and baselines. */
export function loadRunDetail(run: string): Promise<RunDetail> {
  return apiData((client) => client.GET("/runs/{run}", runPath(run)));
}
