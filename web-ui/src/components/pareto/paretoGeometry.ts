/**
 * The Pareto chart's geometry: axis domains and the front's staircase, in data units, so the
 * component only maps them to pixels. Both objectives are maximised.
 */
import type { ParetoPoint } from "@/lib/api/types";

export type Domain = [number, number];

/** A padded [low, high] around `values`, clamped to [0, 1] (both objectives are fractions)
 * and never empty, so no point sits on the chart's edge. */
export function paddedDomain(values: readonly number[]): Domain {
  if (values.length === 0) return [0, 1];
  const low = Math.min(...values);
  const high = Math.max(...values);
  const pad = high > low ? (high - low) * 0.1 : 0.05;
  return [Math.max(0, low - pad), Math.min(1, high + pad)];
}

/** The front's members ordered by val accuracy (so by falling health, on a front). */
export function frontPoints(points: readonly ParetoPoint[]): ParetoPoint[] {
  return points
    .filter((p) => p.on_front)
    .sort((a, b) => a.val_accuracy - b.val_accuracy || b.health - a.health);
}

/**
 * The corners of the front's staircase, the edge of the region it dominates: from each member
 * the line drops to the next member's health, then runs right to it. A point under the line
 * is beaten on both objectives by some member. Given the chart's lower-left corner `origin`,
 * the line also runs in from the left edge and down to the bottom, so a front of one member
 * still shows the region it dominates.
 */
export function frontStaircase(
  points: readonly ParetoPoint[],
  origin?: [number, number],
): [number, number][] {
  const front = frontPoints(points);
  const corners: [number, number][] = [];
  front.forEach((p, i) => {
    if (i > 0) corners.push([front[i - 1].val_accuracy, p.health]);
    corners.push([p.val_accuracy, p.health]);
  });
  if (origin && front.length > 0) {
    corners.unshift([origin[0], front[0].health]);
    corners.push([front[front.length - 1].val_accuracy, origin[1]]);
  }
  return corners;
}

/** The trial the details panel opens with: the chosen one, else the first front member,
 * else the first point. */
export function initialTrial(
  points: readonly ParetoPoint[],
  chosen: number | null | undefined,
): number | null {
  if (chosen !== null && chosen !== undefined && points.some((p) => p.trial === chosen)) {
    return chosen;
  }
  return frontPoints(points)[0]?.trial ?? points[0]?.trial ?? null;
}
