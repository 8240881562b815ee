import { describe, expect, it } from "vitest";

import type { ParetoPoint } from "@/lib/api/types";

import { frontPoints, frontStaircase, initialTrial, paddedDomain } from "./paretoGeometry";

function point(trial: number, accuracy: number, health: number, onFront = false): ParetoPoint {
  return {
    trial,
    val_accuracy: accuracy,
    health,
    test_accuracy: null,
    total_score: null,
    num_parameters: 1000,
    on_front: onFront,
    chosen: false,
    model_url: null,
  };
}

// Front 3 (0.80, 0.90), 1 (0.90, 0.70), 0 (0.95, 0.40); trial 2 is dominated by trial 1.
const POINTS = [
  point(0, 0.95, 0.4, true),
  point(1, 0.9, 0.7, true),
  point(2, 0.85, 0.6),
  point(3, 0.8, 0.9, true),
];

describe("paretoDomain", () => {
  it("pads the values by a tenth of their range, within [0, 1]", () => {
    const [low, high] = paddedDomain([0.8, 0.9]);
    expect(low).toBeCloseTo(0.79);
    expect(high).toBeCloseTo(0.91);
    expect(paddedDomain([0.02, 0.99])).toEqual([0, 1]);
  });

  it("never collapses: one value or none still spans an interval", () => {
    const [low, high] = paddedDomain([0.5]);
    expect(low).toBeCloseTo(0.45);
    expect(high).toBeCloseTo(0.55);
    expect(paddedDomain([])).toEqual([0, 1]);
  });
});

describe("frontStaircase", () => {
  it("orders the front by accuracy and steps down, then right, between members", () => {
    expect(frontPoints(POINTS).map((p) => p.trial)).toEqual([3, 1, 0]);
    expect(frontStaircase(POINTS)).toEqual([
      [0.8, 0.9],
      [0.8, 0.7],
      [0.9, 0.7],
      [0.9, 0.4],
      [0.95, 0.4],
    ]);
  });

  it("leaves every dominated point under the line", () => {
    const dominated = POINTS.filter((p) => !p.on_front);
    const corners = frontStaircase(POINTS);
    for (const p of dominated) {
      // The staircase's height at this accuracy: the first corner at or right of it.
      const step = corners.find(([a]) => a >= p.val_accuracy);
      expect(step).toBeDefined();
      expect(p.health).toBeLessThan(step![1]);
    }
  });

  it("draws nothing without a front, and a single point for a front of one", () => {
    expect(frontStaircase([point(0, 0.9, 0.5)])).toEqual([]);
    expect(frontStaircase([point(0, 0.9, 0.5, true)])).toEqual([[0.9, 0.5]]);
  });

  it("runs in from the left edge and down to the bottom when given the chart's origin", () => {
    expect(frontStaircase([point(0, 0.9, 0.5, true)], [0.1, 0])).toEqual([
      [0.1, 0.5],
      [0.9, 0.5],
      [0.9, 0],
    ]);
    expect(frontStaircase([point(0, 0.9, 0.5)], [0.1, 0])).toEqual([]);
  });
});

describe("initialTrial", () => {
  it("opens the chosen trial, else the first front member, else the first point", () => {
    expect(initialTrial(POINTS, 1)).toBe(1);
    expect(initialTrial(POINTS, null)).toBe(3);
    expect(initialTrial(POINTS, 42)).toBe(3);
    expect(initialTrial([point(5, 0.5, 0.1)], null)).toBe(5);
    expect(initialTrial([], null)).toBeNull();
  });
});
