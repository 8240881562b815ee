import type { DiagnosticIssue, DiagnosticsSummary } from "@/lib/api/types";

import styles from "./best.module.css";
import { severitySummary, sortBySeverity } from "./diagnostics";
import { SeverityBadge } from "./SeverityBadge";

/** The diagnostics engine's findings on the best trial, most severe first. */
export function DiagnosticsList({ diagnostics }: { diagnostics: DiagnosticsSummary }) {
  const issues = sortBySeverity(diagnostics.issues);
  return (
    <section className="card" aria-labelledby="diagnostics-title">
      <h2 id="diagnostics-title">Diagnostics</h2>
      <div data-testid="diagnostics-list">
        {issues.length === 0 ? (
          <p className={styles.empty}>No issues: every diagnostics check passed for this trial.</p>
        ) : (
          <>
            <p className={styles.note}>{severitySummary(issues)}</p>
            <ul className={styles.issueList}>
              {issues.map((issue, index) => (
                <IssueItem key={`${issue.check}-${index}`} issue={issue} />
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}

function IssueItem({ issue }: { issue: DiagnosticIssue }) {
  return (
    <li className={styles.issue} data-testid="diagnostic-issue" data-severity={issue.severity}>
      <h3 className={styles.issueTitle}>
        <SeverityBadge severity={issue.severity} />
        {issue.title}
      </h3>
      <p>{issue.description}</p>
      <p>
        <strong>Suggestion:</strong> {issue.suggestion}
      </p>
      {issue.layer_id && <p className={styles.muted}>Layer: {issue.layer_id}</p>}
    </li>
  );
}
