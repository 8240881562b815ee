/**
 * The three-tier scoring weights behind the sliders. Tier 1 is accuracy, tier 2 health
 * (= 100 - accuracy), tier 3 the six health components' shares of the health weight. What
 * the sliders show and the request carries are whole percents that total exactly 100.
 */
import type { DefaultScoringWeights, Mode, OptimizeRequest } from "@/lib/api/types";

export type ScoringMode = Mode;

/** The model pareto mode assembles: the knee of the front, or the best total under the
 * sliders' weights. */
export type ParetoChoice = "knee" | "weights";

export interface SliderWeights {
  /** Accuracy's whole percent of the total score; health gets the rest. */
  accuracy: number;
  /**
   * Each health component's share of the health weight in percent, unrounded and summing
   * to 100, in the server's order. Kept exact so that moving a slider one step at a time
   * rescales the others in proportion instead of drifting with each rounding.
   */
  components: Record<string, number>;
}

/** The weight fields of an optimize request. */
export type RequestWeights = Pick<
  OptimizeRequest,
  "accuracy_weight" | "health_weight" | "health_component_weights"
>;

/** Clamps to a whole percent in [0, 100]; NaN becomes 0. */
export function toPercent(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(100, Math.max(0, Math.round(value)));
}

/**
 * Splits `total` into integers in proportion to `values` (largest-remainder rounding), so the
 * parts add up to `total` exactly. All-zero values share the total equally.
 */
export function largestRemainder(values: number[], total: number): number[] {
  if (values.length === 0) return [];
  const sum = values.reduce((a, b) => a + b, 0);
  const weights = sum > 0 ? values : values.map(() => 1);
  const weightSum = sum > 0 ? sum : values.length;
  const exact = weights.map((w) => (w / weightSum) * total);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  // Hand the leftover units to the largest fractions; ties go to the earlier entry.
  const order = exact
    .map((value, index) => ({ index, fraction: value - Math.floor(value) }))
    .sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (const { index } of order) {
    if (left <= 0) break;
    parts[index] += 1;
    left -= 1;
  }
  return parts;
}

/** The sliders' starting point: the server's health-aware defaults. */
export function weightsFromDefaults(defaults: DefaultScoringWeights): SliderWeights {
  return {
    accuracy: toPercent(defaults.accuracy_weight * 100),
    components: Object.fromEntries(
      Object.entries(defaults.health_component_weights).map(([name, share]) => [name, share * 100]),
    ),
  };
}

/** The components as shown and sent: whole percents totalling exactly 100. */
export function componentPercents(weights: SliderWeights): Record<string, number> {
  const names = Object.keys(weights.components);
  const percents = largestRemainder(
    names.map((name) => weights.components[name]),
    100,
  );
  return Object.fromEntries(names.map((name, i) => [name, percents[i]]));
}

export function healthPercent(weights: SliderWeights): number {
  return 100 - weights.accuracy;
}

export function setAccuracy(weights: SliderWeights, accuracy: number): SliderWeights {
  return { ...weights, accuracy: toPercent(accuracy) };
}

export function setHealth(weights: SliderWeights, health: number): SliderWeights {
  return { ...weights, accuracy: 100 - toPercent(health) };
}

/**
 * Moves one component to a whole `value` and rescales the others, in proportion to their
 * current shares, to fill the rest; when they are all at zero they share it equally.
 */
export function setComponent(weights: SliderWeights, name: string, value: number): SliderWeights {
  const others = Object.keys(weights.components).filter((other) => other !== name);
  const target = others.length > 0 ? toPercent(value) : 100; // a lone component is all of health
  const othersSum = others.reduce((sum, other) => sum + weights.components[other], 0);
  const scale = (share: number) =>
    othersSum > 0 ? (share / othersSum) * (100 - target) : (100 - target) / others.length;
  const components = Object.fromEntries(
    Object.entries(weights.components).map(([key, share]) => [
      key,
      key === name ? target : scale(share),
    ]),
  );
  return { ...weights, components };
}

export function componentTotal(weights: SliderWeights): number {
  return Object.values(componentPercents(weights)).reduce((a, b) => a + b, 0);
}

/**
 * Whether the request carries the sliders' weights: in health-aware mode, and in pareto mode
 * only to assemble the best under them, since the server reads any weight in a pareto request
 * as that choice (without weights it assembles the knee of the front).
 */
export function weightsSent(mode: ScoringMode, paretoChoice: ParetoChoice): boolean {
  return mode === "health-aware" || (mode === "pareto" && paretoChoice === "weights");
}

/** What the sliders show: simple mode scores accuracy alone, whatever was set before. */
export function shownWeights(weights: SliderWeights, mode: ScoringMode): SliderWeights {
  return mode === "simple" ? { ...weights, accuracy: 100 } : weights;
}

/** A component's percent of the whole score: its shown share of health times health's share. */
export function scoreShare(weights: SliderWeights, name: string): number {
  return (componentPercents(weights)[name] * healthPercent(weights)) / 100;
}

/**
 * The request's weight fields: none when they are not sent (simple mode, pareto's knee), else
 * the shown whole percents as fractions, the component shares summing to 1.
 */
export function toRequestWeights(
  weights: SliderWeights,
  mode: ScoringMode,
  paretoChoice: ParetoChoice,
): RequestWeights {
  if (!weightsSent(mode, paretoChoice)) return {};
  return {
    accuracy_weight: weights.accuracy / 100,
    health_weight: healthPercent(weights) / 100,
    health_component_weights: Object.fromEntries(
      Object.entries(componentPercents(weights)).map(([name, percent]) => [name, percent / 100]),
    ),
  };
}

/** "neuron_utilization" -> "Neuron utilization". */
export function componentLabel(name: string): string {
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
