import { describe, expect, it } from "vitest";

import {
  type ComparedRun,
  compareHref,
  curvesFigure,
  formatMetric,
  formatValue,
  type MetricComparison,
  metricLabel,
  parseRunsParam,
  validationMetrics,
  verdict,
} from "./compare";

describe("parseRunsParam", () => {
  it("splits on commas, trims, drops blanks and repeats, keeping the order", () => {
    expect(parseRunsParam(" b , a,,b, c ")).toEqual(["b", "a", "c"]);
    expect(parseRunsParam(null)).toEqual([]);
    expect(parseRunsParam("")).toEqual([]);
  });

  it("reads back what compareHref wrote", () => {
    const href = compareHref(["run one", "run/2"]);
    expect(href).toBe("/compare?runs=run%20one,run%2F2");
    const query = new URL(href, "http://dashboard.test").searchParams.get("runs");
    expect(parseRunsParam(query)).toEqual(["run one", "run/2"]);
  });
});

function metric(extra: Partial<MetricComparison>): MetricComparison {
  return { metric: "val_accuracy", values: { a: 0.9, b: 0.8 }, ...extra };
}

describe("verdict", () => {
  it("says a significant difference exceeds noise, with the test and p-value", () => {
    expect(verdict(metric({ test: "welch_t", p_value: 0.0031, significant: true }))).toEqual({
      text: "differs beyond noise (welch_t, p = 0.0031)",
      tone: "differs",
    });
  });

  it("says a difference that is not significant is within noise", () => {
    expect(verdict(metric({ test: "kruskal_wallis", p_value: 0.42, significant: false }))).toEqual(
      { text: "within run-to-run noise (kruskal_wallis, p = 0.42)", tone: "same" },
    );
  });

  it("gives the reason when there were too few trials to test", () => {
    const untested = metric({ significant: null, reason: "run b has 2 complete trials, needs 3" });
    expect(verdict(untested)).toEqual({
      text: "run b has 2 complete trials, needs 3",
      tone: "untested",
    });
    expect(verdict(metric({})).text).toBe("not tested");
  });
});

describe("labels and values", () => {
  it("names metrics and formats accuracies as percents, scores to four places", () => {
    expect(metricLabel("val_accuracy")).toBe("Val accuracy");
    expect(metricLabel("gradient_health")).toBe("Gradient health");
    expect(formatMetric("test_accuracy", 0.91234)).toBe("91.23%");
    expect(formatMetric("health_score", 0.5)).toBe("0.5000");
    expect(formatMetric("total_score", null)).toBe("—");
  });

  it("writes parameter and setting values as text, a missing one as not set", () => {
    expect(formatValue(0.000123456)).toBe("0.0001235");
    expect(formatValue("adam")).toBe("adam");
    expect(formatValue(true)).toBe("true");
    expect(formatValue(null)).toBe("not set");
    expect(formatValue([16, 32])).toBe("[16,32]");
  });
});

function run(name: string, curves: Record<string, (number | null)[]>, best = 3): ComparedRun {
  return { name, best_trial: best, learning_curves: curves } as ComparedRun;
}

describe("validationMetrics", () => {
  it("lists each run's validation curves once, val_accuracy first", () => {
    const runs = [
      run("a", { loss: [1], val_loss: [1], val_accuracy: [0.5] }),
      run("b", { val_auc: [0.7], val_loss: [0.9] }),
    ];
    expect(validationMetrics(runs)).toEqual(["val_accuracy", "val_auc", "val_loss"]);
  });
});

describe("curvesFigure", () => {
  it("overlays one trace per run that recorded the metric, by epoch from 1", () => {
    const runs = [
      run("a", { val_accuracy: [0.5, null, 0.8] }),
      run("b", {}),
      run("c", { val_accuracy: [0.6] }, 0),
    ];
    const figure = curvesFigure(runs, "val_accuracy");
    const line = { type: "scatter", mode: "lines+markers" };
    expect(figure?.data).toEqual([
      { ...line, name: "a, trial 3", x: [1, 2, 3], y: [0.5, null, 0.8] },
      { ...line, name: "c, trial 0", x: [1], y: [0.6] },
    ]);
    expect(figure?.layout.yaxis).toEqual({ title: { text: "Val accuracy" } });
  });

  it("is null when no run recorded the metric", () => {
    expect(curvesFigure([run("a", { val_loss: [1] })], "val_accuracy")).toBeNull();
  });
});
