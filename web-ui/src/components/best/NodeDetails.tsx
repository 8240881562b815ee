import type { DiagnosticIssue, LayerHealth } from "@/lib/api/types";
import { formatFraction } from "@/lib/format";
import { TermValue } from "@/components/common/TermValue";

import type { LayerNode } from "./architecture";
import styles from "./best.module.css";
import { formatDecimal, formatExactCount, formatPercent } from "./detailFormat";
import { SeverityBadge } from "./SeverityBadge";

/** What is known about the selected layer: its size, its health and its issues. */
export function NodeDetails({
  node,
  layerHealth,
  issues,
}: {
  node: LayerNode;
  layerHealth: LayerHealth | undefined;
  /** The diagnostics issues whose layer_id is this node's id. */
  issues: readonly DiagnosticIssue[];
}) {
  return (
    <section className={styles.nodeDetails} data-testid="node-details" aria-live="polite">
      <h3>{node.label}</h3>
      <dl className={styles.details}>
        <TermValue term="Layer id" value={node.id} />
        <TermValue term="Type" value={node.type} />
        <TermValue term="Parameters" value={formatExactCount(node.parameters)} />
        <TermValue term="Share of parameters" value={formatPercent(node.pct_of_total)} />
      </dl>
      <h4>Layer health</h4>
      {layerHealth ? (
        <LayerHealthFacts health={layerHealth} />
      ) : (
        <p className={styles.muted}>The analyzer recorded no health figures for this layer.</p>
      )}
      <h4>Issues</h4>
      <LayerIssues issues={issues} otherTitles={untracked(layerHealth?.issues ?? [], issues)} />
    </section>
  );
}

function LayerHealthFacts({ health }: { health: LayerHealth }) {
  const alpha = health.alpha == null ? null : formatDecimal(health.alpha, 2);
  const spectral = alpha && health.spectral_status ? `${alpha} (${health.spectral_status})` : alpha;
  return (
    <dl className={styles.details}>
      <TermValue term="Weight health" value={formatDecimal(health.weight_health, 2)} />
      <TermValue term="Spectral alpha" value={spectral ?? "—"} />
      <TermValue term="Dead units" value={formatFraction(health.dead_fraction)} />
      <TermValue term="Saturated units" value={formatFraction(health.saturated_fraction)} />
    </dl>
  );
}

function LayerIssues({
  issues,
  otherTitles,
}: {
  issues: readonly DiagnosticIssue[];
  otherTitles: readonly string[];
}) {
  if (issues.length === 0 && otherTitles.length === 0) {
    return <p className={styles.muted}>No issues for this layer.</p>;
  }
  return (
    <ul className={styles.layerIssues}>
      {issues.map((issue, index) => (
        <li key={`${issue.check}-${index}`}>
          <SeverityBadge severity={issue.severity} /> <strong>{issue.title}</strong>
          <p>{issue.suggestion}</p>
        </li>
      ))}
      {otherTitles.map((title) => (
        <li key={title}>{title}</li>
      ))}
    </ul>
  );
}

/** Layer issue titles that no full diagnostics issue already shows. */
function untracked(titles: readonly string[], issues: readonly DiagnosticIssue[]): string[] {
  const shown = new Set(issues.map((issue) => issue.title));
  return titles.filter((title) => !shown.has(title));
}
