import { describe, expect, it } from "vitest";

import type { TrialSummary } from "@/lib/api/types";

import { bestTrialNumber, sortTrials } from "./trials";

function trial(number: number, state: string, total_score: number | null): TrialSummary {
  return { number, state, total_score } as TrialSummary;
}

const TRIALS = [
  trial(2, "COMPLETE", 0.9123),
  trial(0, "COMPLETE", 0.8),
  trial(1, "FAIL", null),
  trial(3, "COMPLETE", 0.95),
  trial(4, "PRUNED", null),
];

describe("bestTrialNumber", () => {
  it("is the trial the server names", () => {
    expect(bestTrialNumber(TRIALS, 2)).toBe(2);
  });

  it("falls back to the highest total score, never a failed or pruned trial", () => {
    expect(bestTrialNumber(TRIALS, null)).toBe(3);
    expect(bestTrialNumber([trial(1, "FAIL", null), trial(4, "PRUNED", null)], null)).toBeNull();
  });
});

describe("sortTrials", () => {
  it("orders by number, or by score with the unscored last in number order", () => {
    expect(sortTrials(TRIALS, "number").map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
    expect(sortTrials(TRIALS, "score").map((t) => t.number)).toEqual([3, 2, 0, 1, 4]);
  });
});
