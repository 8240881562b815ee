/** The score chart's data: each finished trial's total score and the best score so far. */
import type { TrialSummary } from "@/lib/api/types";

export interface ScorePoint {
  trial: number;
  score: number;
  /** The highest score among this trial and every earlier-numbered one. */
  bestSoFar: number;
}

export function scorePoints(trials: TrialSummary[]): ScorePoint[] {
  const scored = trials
    .filter((t): t is TrialSummary & { total_score: number } => typeof t.total_score === "number")
    .sort((a, b) => a.number - b.number);
  let best = -Infinity;
  return scored.map((t) => {
    best = Math.max(best, t.total_score);
    return { trial: t.number, score: t.total_score, bestSoFar: best };
  });
}

/** A padded [low, high] around the scores, so points never sit on the chart's edge. */
export function scoreDomain(points: ScorePoint[]): [number, number] {
  if (points.length === 0) return [0, 1];
  const scores = points.map((p) => p.score);
  const low = Math.min(...scores);
  const high = Math.max(...scores);
  const pad = high > low ? (high - low) * 0.1 : 0.05;
  return [low - pad, high + pad];
}

/** `count` evenly spaced values from low to high, both included. */
export function ticks(low: number, high: number, count: number): number[] {
  if (count < 2 || high === low) return [low];
  const step = (high - low) / (count - 1);
  return Array.from({ length: count }, (_, i) => low + i * step);
}
