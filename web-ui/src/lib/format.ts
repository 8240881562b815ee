/** How numbers from the API read on screen; "—" wherever a value is missing. */

const MISSING = "—";

type Maybe = number | null | undefined;

function present(value: Maybe): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** A 0-1 fraction as a percent: 0.9734 -> "97.3%". */
export function formatFraction(value: Maybe, digits = 1): string {
  return present(value) ? `${(value * 100).toFixed(digits)}%` : MISSING;
}

/** A score in [0, 1] with four decimals, as the optimizer compares them. */
export function formatScore(value: Maybe): string {
  return present(value) ? value.toFixed(4) : MISSING;
}

/** A parameter count: 1234567 -> "1.23M", 45200 -> "45.2k". */
export function formatCount(value: Maybe): string {
  if (!present(value)) return MISSING;
  if (value >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (value >= 1e3) return `${(value / 1e3).toPrecision(3)}k`;
  return String(value);
}

/** Seconds as "42s", "3m 05s" or "1h 02m". */
export function formatDuration(seconds: Maybe): string {
  if (!present(seconds)) return MISSING;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m ${String(whole % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** An ISO timestamp in the reader's locale and time zone, to the minute: "Nov 22, 20:42". */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, {
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
      });
}

/** An energy estimate to two significant figures (it is no more precise), in Wh below 1 Wh:
 * 0.0012 -> "0.0012 kWh", 0.000024 -> "0.024 Wh". */
export function formatEnergy(kwh: Maybe): string {
  if (!present(kwh)) return MISSING;
  if (kwh >= 1e-3) return `${Number(kwh.toPrecision(2))} kWh`;
  return `${Number((kwh * 1000).toPrecision(2))} Wh`;
}
