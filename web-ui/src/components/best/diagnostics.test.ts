import { describe, expect, it } from "vitest";

import type { DiagnosticIssue } from "@/lib/api/types";

import { issuesForLayer, severitySummary, sortBySeverity } from "./diagnostics";

function issue(
  check: string,
  severity: DiagnosticIssue["severity"],
  layer_id: string | null = null,
): DiagnosticIssue {
  return {
    check,
    severity,
    category: "training",
    title: `${check} title`,
    description: "",
    suggestion: "",
    layer_id,
  };
}

describe("sortBySeverity", () => {
  it("puts critical before warning before info and keeps the order within a severity", () => {
    const issues = [
      issue("a", "info"),
      issue("b", "warning"),
      issue("c", "critical"),
      issue("d", "info"),
      issue("e", "critical"),
    ];
    expect(sortBySeverity(issues).map((item) => item.check)).toEqual(["c", "e", "b", "a", "d"]);
    expect(issues[0].check).toBe("a"); // the input is not reordered
  });
});

describe("issuesForLayer", () => {
  it("keeps the issues of one layer, most severe first", () => {
    const issues = [
      issue("over_parameterized_layer", "info", "conv_1"),
      issue("carbon", "info"),
      issue("conv_bottleneck", "warning", "conv_1"),
      issue("dead", "critical", "dense"),
    ];
    expect(issuesForLayer(issues, "conv_1").map((item) => item.check)).toEqual([
      "conv_bottleneck",
      "over_parameterized_layer",
    ]);
    expect(issuesForLayer(issues, "input")).toEqual([]);
  });
});

describe("severitySummary", () => {
  it("counts each severity present, most severe first", () => {
    const issues = ["info", "warning", "info", "warning"] as const;
    expect(severitySummary(issues.map((severity, i) => issue(`${i}`, severity)))).toBe(
      "2 warnings, 2 info",
    );
    expect(severitySummary([issue("e", "critical"), issue("f", "warning")])).toBe(
      "1 critical, 1 warning",
    );
  });
});
