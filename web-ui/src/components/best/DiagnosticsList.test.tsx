import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { DiagnosticIssue, DiagnosticsSummary } from "@/lib/api/types";

import { DiagnosticsList } from "./DiagnosticsList";

function issue(title: string, severity: DiagnosticIssue["severity"]): DiagnosticIssue {
  return {
    check: title,
    severity,
    category: "training",
    title,
    description: `${title} description`,
    suggestion: `${title} suggestion`,
    layer_id: null,
  };
}

function summary(issues: DiagnosticIssue[]): DiagnosticsSummary {
  return { issue_count: issues.length, severity_counts: {}, checks_skipped: [], issues };
}

describe("DiagnosticsList", () => {
  it("lists the issues most severe first with badge, text and suggestion", () => {
    const issues = [
      issue("Carbon", "info"),
      issue("Dead units", "critical"),
      issue("Bottleneck", "warning"),
    ];
    render(<DiagnosticsList diagnostics={summary(issues)} />);
    const items = screen.getAllByTestId("diagnostic-issue");
    expect(items.map((item) => item.getAttribute("data-severity"))).toEqual([
      "critical",
      "warning",
      "info",
    ]);
    expect(items[0].querySelector("h3")?.textContent).toBe("criticalDead units");
    expect(items[0].textContent).toContain("Dead units description");
    expect(items[0].textContent).toContain("Suggestion: Dead units suggestion");
    expect(screen.getByText("1 critical, 1 warning, 1 info")).toBeTruthy();
  });

  it("shows an empty state when there are no issues", () => {
    render(<DiagnosticsList diagnostics={summary([])} />);
    expect(screen.getByTestId("diagnostics-list").textContent).toBe(
      "No issues: every diagnostics check passed for this trial.",
    );
    expect(screen.queryAllByTestId("diagnostic-issue")).toHaveLength(0);
  });
});
