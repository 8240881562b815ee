import { describe, expect, it } from "vitest";

import { SCORING_DEFAULTS as DEFAULTS } from "@/testing/scoringDefaults";

import {
  componentPercents,
  componentTotal,
  healthPercent,
  largestRemainder,
  setAccuracy,
  setComponent,
  setHealth,
  shownWeights,
  type SliderWeights,
  toRequestWeights,
  weightsFromDefaults,
  weightsSent,
} from "./weights";


const START = weightsFromDefaults(DEFAULTS);

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

describe("largestRemainder", () => {
  it("keeps exact integer proportions", () => {
    expect(largestRemainder([25, 15, 20], 60)).toEqual([25, 15, 20]);
  });

  it("gives leftover units to the largest fractions so the parts total exactly", () => {
    // 100/3 = 33.33 each: one unit left over, to the first of the tied entries.
    expect(largestRemainder([1, 1, 1], 100)).toEqual([34, 33, 33]);
    // 10 * (0.55, 0.45) = 5.5, 4.5: floors 5 + 4, the larger fraction .5 tie goes to the first.
    expect(largestRemainder([55, 45], 10)).toEqual([6, 4]);
    // exact shares 2.8, 4.2, 3.0: the 0.8 wins the one leftover unit.
    expect(largestRemainder([28, 42, 30], 10)).toEqual([3, 4, 3]);
  });

  it("splits equally when every value is zero", () => {
    expect(largestRemainder([0, 0, 0, 0], 10)).toEqual([3, 3, 2, 2]);
  });
});

describe("weightsFromDefaults", () => {
  it("turns the server's fractions into whole percents in the server's order", () => {
    expect(START.accuracy).toBe(70);
    expect(healthPercent(START)).toBe(30);
    expect(Object.entries(componentPercents(START))).toEqual([
      ["neuron_utilization", 25],
      ["parameter_efficiency", 15],
      ["training_stability", 20],
      ["gradient_health", 15],
      ["convergence_quality", 15],
      ["accuracy_consistency", 10],
    ]);
  });

  it("rounds shares that are not whole percents to a total of exactly 100", () => {
    const thirds = weightsFromDefaults({
      ...DEFAULTS,
      health_component_weights: { a: 1 / 3, b: 1 / 3, c: 1 / 3 },
    });
    expect(componentPercents(thirds)).toEqual({ a: 34, b: 33, c: 33 });
  });
});

describe("accuracy and health", () => {
  it("moves health when accuracy moves, and the other way round", () => {
    const moreAccuracy = setAccuracy(START, 85);
    expect([moreAccuracy.accuracy, healthPercent(moreAccuracy)]).toEqual([85, 15]);
    const moreHealth = setHealth(START, 60);
    expect([moreHealth.accuracy, healthPercent(moreHealth)]).toEqual([40, 60]);
  });

  it("clamps to whole percents in [0, 100]", () => {
    expect(setAccuracy(START, 120).accuracy).toBe(100);
    expect(setAccuracy(START, -5).accuracy).toBe(0);
    expect(setAccuracy(START, 42.6).accuracy).toBe(43);
    expect(setHealth(START, 250).accuracy).toBe(0);
  });
});

describe("setComponent", () => {
  it("rescales the other components in proportion to fill the rest", () => {
    // neuron_utilization 25 -> 50: the other five (75 in all) share 50, each times 2/3.
    const next = setComponent(START, "neuron_utilization", 50);
    expect(componentPercents(next)).toEqual({
      neuron_utilization: 50,
      parameter_efficiency: 10,
      training_stability: 13, // 13.33
      gradient_health: 10,
      convergence_quality: 10,
      accuracy_consistency: 7, // 6.67, rounded up by the largest remainder
    });
    expect(componentTotal(next)).toBe(100);
  });

  it("keeps the total at 100 for every value of every slider", () => {
    for (const name of Object.keys(START.components)) {
      for (let value = 0; value <= 100; value += 7) {
        const next = setComponent(START, name, value);
        expect(componentPercents(next)[name]).toBe(value);
        expect(componentTotal(next)).toBe(100);
        for (const percent of Object.values(componentPercents(next))) {
          expect(Number.isInteger(percent)).toBe(true);
          expect(percent).toBeGreaterThanOrEqual(0);
        }
      }
    }
  });

  it("shares the rest equally when the others are all at zero", () => {
    const allIn = setComponent(START, "gradient_health", 100);
    expect(componentTotal(allIn)).toBe(100);
    const back = setComponent(allIn, "gradient_health", 50);
    expect(componentPercents(back)).toEqual({
      neuron_utilization: 10,
      parameter_efficiency: 10,
      training_stability: 10,
      gradient_health: 50,
      convergence_quality: 10,
      accuracy_consistency: 10,
    });
  });

  it("stays proportional when a slider moves one step at a time", () => {
    // gradient_health 15 -> 20 in five keyboard steps: the other five keep their 25:15:20:15:10
    // ratio, scaled by 80/85, instead of the largest one paying for every step's rounding.
    let weights = START;
    for (let value = 16; value <= 20; value++) {
      weights = setComponent(weights, "gradient_health", value);
    }
    expect(componentPercents(weights)).toEqual({
      neuron_utilization: 24, // 23.53
      parameter_efficiency: 14, // 14.12
      training_stability: 19, // 18.82
      gradient_health: 20,
      convergence_quality: 14, // 14.12
      accuracy_consistency: 9, // 9.41
    });
    expect(weights.components.neuron_utilization).toBeCloseTo((25 * 80) / 85, 9);
  });

  it("leaves the accuracy split alone", () => {
    expect(setComponent(START, "gradient_health", 40).accuracy).toBe(70);
  });
});

describe("simple mode", () => {
  it("shows accuracy at 100% but remembers the health-aware split", () => {
    const custom = setAccuracy(START, 55);
    expect(shownWeights(custom, "simple").accuracy).toBe(100);
    expect(shownWeights(custom, "health-aware").accuracy).toBe(55);
  });

  it("sends no weights, so the server scores accuracy alone", () => {
    expect(toRequestWeights(START, "simple", "knee")).toEqual({});
    expect(toRequestWeights(START, "simple", "weights")).toEqual({});
  });
});

describe("weightsSent", () => {
  it("sends them in health-aware mode, whatever pareto's choice was", () => {
    expect(weightsSent("health-aware", "knee")).toBe(true);
    expect(weightsSent("health-aware", "weights")).toBe(true);
  });

  it("sends them in pareto mode only to assemble the best under them", () => {
    // The server reads any weight in a pareto request as "the best under these weights".
    expect(weightsSent("pareto", "knee")).toBe(false);
    expect(weightsSent("pareto", "weights")).toBe(true);
    expect(toRequestWeights(START, "pareto", "knee")).toEqual({});
    expect(toRequestWeights(START, "pareto", "weights")).toEqual(
      toRequestWeights(START, "health-aware", "knee"),
    );
  });
});

describe("toRequestWeights", () => {
  it("converts percents to fractions whose component shares sum to 1", () => {
    const request = toRequestWeights(START, "health-aware", "knee");
    expect(request.accuracy_weight).toBe(0.7);
    expect(request.health_weight).toBe(0.3);
    expect(request.health_component_weights).toEqual({
      neuron_utilization: 0.25,
      parameter_efficiency: 0.15,
      training_stability: 0.2,
      gradient_health: 0.15,
      convergence_quality: 0.15,
      accuracy_consistency: 0.1,
    });
    expect(Math.abs(sum(Object.values(request.health_component_weights!)) - 1)).toBeLessThan(1e-9);
  });

  it("sums to 1 after any sequence of slider moves", () => {
    let weights: SliderWeights = START;
    const names = Object.keys(START.components);
    for (let step = 0; step < 60; step++) {
      weights = setComponent(weights, names[step % names.length], (step * 37) % 101);
      weights = setAccuracy(weights, (step * 13) % 101);
      const request = toRequestWeights(weights, "health-aware", "knee");
      expect(request.accuracy_weight! + request.health_weight!).toBeCloseTo(1, 12);
      expect(Math.abs(sum(Object.values(request.health_component_weights!)) - 1)).toBeLessThan(
        1e-9,
      );
    }
  });
});
