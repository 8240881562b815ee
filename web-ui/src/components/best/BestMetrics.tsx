import type { BestModel } from "@/lib/api/types";
import { formatFraction, formatScore } from "@/lib/format";
import { TermValue } from "@/components/common/TermValue";

import styles from "./best.module.css";
import { formatDecimal, formatExactCount } from "./detailFormat";

/** The best trial's headline numbers. */
export function BestMetrics({ best }: { best: BestModel }) {
  const score = best.diagnostics.health_score;
  const rows: [string, string][] = [
    ["Trial", `#${best.trial_number}`],
    ["Total score", formatScore(best.total_score)],
    ["Validation accuracy", formatFraction(best.metrics.val_accuracy)],
    ["Test accuracy", formatFraction(best.metrics.test_accuracy)],
    ["Validation loss", formatDecimal(best.metrics.val_loss, 4)],
    ["Parameters", formatExactCount(best.num_parameters)],
    ["Diagnostics health", score == null ? "—" : `${formatExactCount(score)} / 100`],
  ];
  return (
    <section className="card" aria-labelledby="best-metrics-title">
      <h2 id="best-metrics-title">Metrics</h2>
      <dl className={styles.metrics} data-testid="best-metrics">
        {rows.map(([term, value]) => (
          <TermValue key={term} term={term} value={value} />
        ))}
      </dl>
    </section>
  );
}
