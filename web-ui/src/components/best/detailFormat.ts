/** Number formats of the detailed best model view, beyond the shared ones in @/lib/format;
 * a missing value reads as an em dash there too. */

const MISSING = "—";

type Maybe = number | null | undefined;

/** A value already in percent: 91.63 -> "91.6%". */
export function formatPercent(value: Maybe, digits = 1): string {
  return isNumber(value) ? `${value.toFixed(digits)}%` : MISSING;
}

export function formatDecimal(value: Maybe, digits: number): string {
  return isNumber(value) ? value.toFixed(digits) : MISSING;
}

/** An exact count with thousands separators, for per-layer detail: 6416 -> "6,416". */
export function formatExactCount(value: Maybe): string {
  return isNumber(value) ? Math.round(value).toLocaleString("en-US") : MISSING;
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
