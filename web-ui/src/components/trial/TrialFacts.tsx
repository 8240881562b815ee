import type { TrialSummary } from "@/lib/api/types";
import {
  formatCount,
  formatDuration,
  formatFraction,
  formatScore,
  formatTimestamp,
} from "@/lib/format";
import { formatParam } from "@/lib/studyFormat";

import styles from "./trial.module.css";

/** The metrics worth a line of their own, in reading order, with their labels. */
const METRICS: [string, string][] = [
  ["val_accuracy", "Val accuracy"],
  ["test_accuracy", "Test accuracy"],
  ["train_accuracy", "Train accuracy"],
  ["val_loss", "Val loss"],
  ["test_loss", "Test loss"],
  ["train_loss", "Train loss"],
];

function number(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** A trial's numbers: accuracy and losses, scores, size, epochs, how long it took and when. */
export function TrialMetricsCard({ trial, rank }: { trial: TrialSummary; rank: number | null }) {
  const metrics = trial.metrics as Record<string, unknown>;
  const rows: [string, string][] = [];
  for (const [key, label] of METRICS) {
    const value = number(metrics[key]);
    if (value === null) continue;
    rows.push([label, key.endsWith("_loss") ? value.toFixed(4) : formatFraction(value)]);
  }
  rows.push(["Health", formatFraction(trial.health_score)]);
  rows.push(["Total score", formatScore(trial.total_score)]);
  if (rank !== null) rows.push(["Rank", `${rank}`]);
  rows.push(["Parameters", formatCount(trial.num_parameters)]);
  rows.push(["Epochs run", String(trial.epochs_run)]);
  const fit = number(trial.timings.fit_seconds);
  const total = number(trial.timings.total_seconds);
  if (fit !== null) rows.push(["Fit time", formatDuration(fit)]);
  if (total !== null) rows.push(["Trial time", formatDuration(total)]);
  if (trial.started) rows.push(["Started", formatTimestamp(trial.started)]);
  if (trial.finished) rows.push(["Finished", formatTimestamp(trial.finished)]);
  return (
    <section className="card" aria-labelledby="trial-metrics-title">
      <h2 id="trial-metrics-title">Metrics</h2>
      <FactList rows={rows} testId="trial-metrics" />
    </section>
  );
}

/** The hyperparameters the sampler chose for the trial. */
export function TrialParamsCard({ params }: { params: TrialSummary["params"] }) {
  const rows = Object.entries(params).map(([name, value]): [string, string] => [
    name,
    value === null ? "—" : formatParam(value),
  ]);
  return (
    <section className="card" aria-labelledby="trial-params-title">
      <h2 id="trial-params-title">Hyperparameters</h2>
      {rows.length === 0 ? (
        <p className={styles.muted}>The trial recorded no hyperparameters.</p>
      ) : (
        <FactList rows={rows} testId="trial-params" />
      )}
    </section>
  );
}

function FactList({ rows, testId }: { rows: [string, string][]; testId: string }) {
  return (
    <dl className={styles.facts} data-testid={testId}>
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
