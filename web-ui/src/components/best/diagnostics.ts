/** Ordering and filtering of the diagnostics engine's issues. */

import type { DiagnosticIssue } from "@/lib/api/types";

export type Severity = DiagnosticIssue["severity"];

const SEVERITY_ORDER: readonly Severity[] = ["critical", "warning", "info"];

/** Issues with the most severe first; issues of equal severity keep the engine's order. */
export function sortBySeverity(issues: readonly DiagnosticIssue[]): DiagnosticIssue[] {
  const rank = (issue: DiagnosticIssue) => SEVERITY_ORDER.indexOf(issue.severity);
  return [...issues].sort((a, b) => rank(a) - rank(b));
}

/** The issues the engine attached to one layer (a node of the architecture graph). */
export function issuesForLayer(
  issues: readonly DiagnosticIssue[],
  layerId: string,
): DiagnosticIssue[] {
  return sortBySeverity(issues.filter((issue) => issue.layer_id === layerId));
}

/** "1 warning, 2 info" in severity order, leaving out severities with no issue. */
export function severitySummary(issues: readonly DiagnosticIssue[]): string {
  return SEVERITY_ORDER.map((severity) => {
    const count = issues.filter((issue) => issue.severity === severity).length;
    if (count === 0) return null;
    return severity === "warning" && count > 1 ? `${count} warnings` : `${count} ${severity}`;
  })
    .filter((part) => part !== null)
    .join(", ");
}
