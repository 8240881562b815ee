import { describe, expect, it } from "vitest";

import {
  formatCell,
  formatNumber,
  formatP,
  formatParams,
  formatPercent,
  formatPoints,
  formatSigned,
  metricFormatters,
} from "./studyFormat";

describe("study number formats (the PDF report's rules)", () => {
  it("chooses decimals by magnitude", () => {
    expect(formatNumber(0.91234)).toBe("0.912");
    expect(formatNumber(12.345)).toBe("12.35");
    expect(formatNumber(12345.6)).toBe("12,346");
    expect(formatNumber(0.00012)).toBe("1.20e-4");
    expect(formatNumber(7002)).toBe("7002");
    expect(formatNumber(45200)).toBe("45,200");
    expect(formatNumber(null)).toBe("—");
    expect(formatNumber(Number.NaN)).toBe("—");
    expect(formatNumber(true)).toBe("yes");
  });

  it("signs differences and prints p-values as journals do", () => {
    expect(formatSigned(0.0123)).toBe("+0.012");
    expect(formatSigned(-0.5)).toBe("-0.500");
    expect(formatP(0.41)).toBe("0.410");
    expect(formatP(0.0004)).toBe("< 0.001");
    expect(formatP(null)).toBe("—");
  });

  it("reads accuracies in percent and their differences in points", () => {
    expect(formatPercent(0.9123)).toBe("91.2%");
    expect(formatPoints(-0.0123)).toBe("-1.23 pp");
    expect(formatPoints(0.04)).toBe("+4.00 pp");
    expect(formatPoints(-0.00001)).toBe("0.00 pp");
    const accuracy = metricFormatters("Holdout accuracy");
    expect([accuracy.value(0.87), accuracy.difference(0.04)]).toEqual(["87.0%", "+4.00 pp"]);
    const gap = metricFormatters("Generalization gap (val - holdout)");
    expect(gap.value(0.03)).toBe("+3.00 pp");
  });

  it("keeps text cells and compacts hyperparameters", () => {
    expect(formatCell("accuracy_only run 0")).toBe("accuracy_only run 0");
    expect(formatCell(0.5)).toBe("0.500");
    expect(formatParams({ learning_rate: 0.034851719880616285, layers: 2, act: "relu" })).toBe(
      "learning_rate=0.0348517, layers=2, act=relu",
    );
    expect(formatParams({})).toBe("—");
  });
});
