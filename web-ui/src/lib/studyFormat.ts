/**
 * How the study's numbers read on screen: the same rules as the PDF report
 * (`healthopt/study/report_format.py`), so the page and the report never disagree. Missing or
 * non-finite values read "—".
 */

const MISSING = "—";

type Cell = string | number | boolean | null | undefined;

function finite(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Fixed decimals by magnitude, so a column of similar numbers lines up. */
export function formatNumber(value: Cell): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  const x = finite(value);
  if (x === null) return MISSING;
  if (Number.isInteger(x)) return Math.abs(x) >= 10_000 ? x.toLocaleString("en-US") : String(x);
  const size = Math.abs(x);
  if (size < 0.001) return x.toExponential(2);
  if (size < 10) return x.toFixed(3);
  if (size < 1000) return x.toFixed(2);
  return Math.round(x).toLocaleString("en-US");
}

/** formatNumber with a "+" on positive values (differences: health-aware - accuracy-only). */
export function formatSigned(value: Cell): string {
  const x = finite(value);
  return x !== null && x > 0 ? `+${formatNumber(x)}` : formatNumber(value);
}

/** A fraction as a percentage: 0.9123 -> "91.2%". */
export function formatPercent(value: Cell, decimals = 1): string {
  const x = finite(value);
  return x === null ? MISSING : `${(100 * x).toFixed(decimals)}%`;
}

/** A difference of fractions in signed percentage points: -0.0123 -> "-1.23 pp". */
export function formatPoints(value: Cell, decimals = 2): string {
  const x = finite(value);
  if (x === null) return MISSING;
  const points = Number((100 * x).toFixed(decimals));
  if (points === 0) return `${(0).toFixed(decimals)} pp`; // no "-0.00 pp"
  return `${points > 0 ? "+" : ""}${points.toFixed(decimals)} pp`;
}

/** p-values as journals print them: "0.412", "< 0.001". */
export function formatP(value: Cell): string {
  const x = finite(value);
  if (x === null) return MISSING;
  return x < 0.001 ? "< 0.001" : x.toFixed(3);
}

export function formatYesNo(value: boolean | null | undefined): string {
  return value === null || value === undefined ? MISSING : value ? "yes" : "no";
}

/** A module table's cell: numbers formatted, text as it is. */
export function formatCell(value: Cell): string {
  return typeof value === "string" ? value : formatNumber(value);
}

/** How an executive summary metric's values read: accuracies in %, their gaps in pp. */
export function metricFormatters(metric: string): {
  value: (v: Cell) => string;
  difference: (v: Cell) => string;
} {
  const name = metric.toLowerCase();
  if (name.includes("gap") || name.includes("difference"))
    return { value: formatPoints, difference: formatPoints };
  if (name.includes("accuracy")) return { value: formatPercent, difference: formatPoints };
  return { value: formatNumber, difference: formatSigned };
}

/** Hyperparameters as "name=value" pairs. */
export function formatParams(params: Record<string, unknown> | null | undefined): string {
  if (!params || Object.keys(params).length === 0) return MISSING;
  return Object.entries(params)
    .map(([name, value]) => `${name}=${formatParam(value)}`)
    .join(", ");
}

/** Floats compact, as Python's "%g" prints them: 0.034851719880616285 -> "0.0348517". */
export function formatParam(value: unknown): string {
  if (typeof value === "number" && Number.isFinite(value) && !Number.isInteger(value))
    return String(Number(value.toPrecision(6)));
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}
