import { describe, expect, it } from "vitest";

import {
  type BaselineScore,
  baselineMargins,
  byPriority,
  evidenceLine,
  type Evidence,
  formatMargin,
  formatPValue,
  orderedFigures,
  type Recommendation,
  topicLabel,
} from "./views";

function spec(name: string) {
  return { name, title: name, figure: null, note: null };
}

describe("orderedFigures", () => {
  it("reads history first and Pareto last, whatever order the API sent", () => {
    const figures = Object.fromEntries(
      ["pareto", "impact_heatmap", "history", "parallel_coordinates", "importance_health"].map(
        (name) => [name, spec(name)],
      ),
    );
    expect(orderedFigures(figures).map((f) => f.name)).toEqual([
      "history",
      "importance_health",
      "parallel_coordinates",
      "impact_heatmap",
      "pareto",
    ]);
  });

  it("puts figures it does not know after the known ones, by name", () => {
    const figures = { zeta: spec("zeta"), alpha: spec("alpha"), history: spec("history") };
    expect(orderedFigures(figures).map((f) => f.name)).toEqual(["history", "alpha", "zeta"]);
  });
});

function recommendation(
  topic: string,
  priority: Recommendation["priority"],
  confidence: Recommendation["confidence"],
): Recommendation {
  return {
    topic,
    title: topic,
    current: null,
    suggested: "x",
    confidence,
    priority,
    rationale: "",
    evidence: EVIDENCE,
  };
}

const EVIDENCE: Evidence = {
  test: "spearman",
  statistic: 0.81,
  p_value: 0.0000123,
  effect_size: 0.8123,
  effect_name: "Spearman rho",
  ci_low: null,
  ci_high: null,
  ci_name: null,
  n: 20,
};

describe("byPriority", () => {
  it("orders by priority, then confidence, and keeps ties in their order", () => {
    const sorted = byPriority([
      recommendation("a", "low", "high"),
      recommendation("b", "high", "low"),
      recommendation("c", "high", "high"),
      recommendation("d", "medium", "medium"),
      recommendation("e", "high", "high"),
    ]);
    expect(sorted.map((r) => r.topic)).toEqual(["c", "e", "b", "d", "a"]);
  });
});

describe("evidenceLine", () => {
  it("names the test, the p-value, the effect size and n", () => {
    expect(evidenceLine(EVIDENCE)).toBe("spearman, p = 1.2e-5, Spearman rho = 0.812, n = 20");
  });

  it("gives the 95 % interval and what it is of, and skips what is missing", () => {
    const evidence: Evidence = {
      ...EVIDENCE,
      test: "one-sample t-test",
      p_value: 0.0312,
      effect_size: null,
      ci_low: 0.01234,
      ci_high: 0.0456,
      ci_name: "mean train - val accuracy gap",
      n: 9,
    };
    expect(evidenceLine(evidence)).toBe(
      "one-sample t-test, p = 0.031, 95 % CI of mean train - val accuracy gap [0.0123, 0.0456], n = 9",
    );
  });

  it("names an interval once when its name already says it is a 95 % CI", () => {
    const evidence: Evidence = {
      ...EVIDENCE,
      p_value: 0,
      ci_low: 0.9,
      ci_high: 1,
      ci_name: "95% CI of rho (Fisher z)",
    };
    expect(evidenceLine(evidence)).toBe(
      "spearman, p ≈ 0, Spearman rho = 0.812, 95% CI of rho (Fisher z) [0.9, 1], n = 20",
    );
  });

  it("gives the adjusted p-value beside the raw one, named by its adjustment", () => {
    const evidence: Evidence = {
      ...EVIDENCE,
      p_value: 0.012,
      p_value_adjusted: 0.048,
      adjustment: "holm",
    };
    expect(evidenceLine(evidence)).toBe(
      "spearman, p = 0.012 (holm: 0.048), Spearman rho = 0.812, n = 20",
    );
  });
});

describe("formatPValue", () => {
  it("rounds to two significant figures and switches to exponent form below 1e-4", () => {
    expect(formatPValue(0.5)).toBe("p = 0.5");
    expect(formatPValue(0.0012345)).toBe("p = 0.0012");
    expect(formatPValue(2.4e-7)).toBe("p = 2.4e-7");
    expect(formatPValue(0)).toBe("p ≈ 0");
    expect(formatPValue(null)).toBe("p = —");
  });
});

describe("topicLabel", () => {
  it("names known topics and reads unknown ones as words", () => {
    expect(topicLabel("learning_rate")).toBe("Learning rate");
    expect(topicLabel("historical")).toBe("Past runs on this dataset");
    expect(topicLabel("weight_decay")).toBe("Weight decay");
  });
});

describe("baselineMargins", () => {
  const majority: BaselineScore = {
    name: "majority_class",
    val_accuracy: 0.1,
    test_accuracy: 0.1,
    seconds: 0,
    error: null,
  };
  const logistic: BaselineScore = { ...majority, name: "logistic_regression", val_accuracy: 0.95 };

  it("subtracts each baseline's val accuracy from the best trial's", () => {
    const margins = baselineMargins(0.97, [majority, logistic]);
    expect(margins.map((m) => m.label)).toEqual(["Majority class", "Logistic regression"]);
    expect(margins[0].margin).toBeCloseTo(0.87, 10);
    expect(margins[1].margin).toBeCloseTo(0.02, 10);
    expect(margins.every((m) => m.reason === null)).toBe(true);
  });

  it("says why a margin is missing instead of inventing one", () => {
    const failed: BaselineScore = { ...logistic, val_accuracy: null, error: "did not converge" };
    const [noBest, broken] = [
      baselineMargins(null, [majority])[0],
      baselineMargins(0.9, [failed])[0],
    ];
    expect(noBest).toMatchObject({ margin: null, reason: "the run has no best trial yet" });
    expect(broken).toMatchObject({ margin: null, reason: "the baseline failed: did not converge" });
  });
});

describe("formatMargin", () => {
  it("signs the margin in accuracy points", () => {
    expect(formatMargin(0.153)).toBe("+15.3 pts");
    expect(formatMargin(-0.02)).toBe("−2.0 pts");
  });
});
