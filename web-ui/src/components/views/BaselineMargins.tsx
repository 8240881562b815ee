import { formatFraction } from "@/lib/format";
import { baselineMargins, formatMargin, type RunDetail } from "@/lib/views";

import styles from "./views.module.css";

/** The best trial's validation accuracy, and its margin over each baseline of the run
 * (majority class, logistic regression) on the same splits. */
export function BaselineMargins({ detail }: { detail: RunDetail }) {
  const best = detail.summary.best_val_accuracy;
  const scores = detail.baselines?.scores ?? [];
  if (scores.length === 0) {
    return (
      <p className={styles.muted}>
        This run recorded no baselines (runs made before baselines existed have none).
      </p>
    );
  }
  const margins = baselineMargins(best, scores);
  return (
    <table className={styles.table} aria-label="Margins over the baselines">
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col">Val accuracy</th>
          <th scope="col">Best model&apos;s margin</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">
            Best model
            {detail.summary.best_trial !== null && ` (trial ${detail.summary.best_trial})`}
          </th>
          <td>{formatFraction(best, 2)}</td>
          <td />
        </tr>
        {margins.map((m) => (
          <tr key={m.name} data-testid={`baseline-${m.name}`}>
            <th scope="row">{m.label}</th>
            <td>{formatFraction(m.baseline, 2)}</td>
            <td>
              {m.margin === null ? (
                <span className={styles.muted}>{m.reason}</span>
              ) : (
                <strong className={m.margin < 0 ? styles.behind : styles.ahead}>
                  {formatMargin(m.margin)}
                </strong>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
