import Link from "next/link";

import type { TrialSummary } from "@/lib/api/types";
import { formatCount, formatFraction, formatScore } from "@/lib/format";
import { trialHref } from "@/lib/runs";
import { isFailed, isPruned, metric, pruneLabel } from "@/lib/trials";

/** One trial: its scores and size, why it failed or was pruned, its hyperparameters on
 * demand, and a link to its own page. A pruned trial keeps the figures of the epochs it ran. */
export function TrialCard({
  trial,
  best,
  run,
  place,
}: {
  trial: TrialSummary;
  best: boolean;
  /** The run folder the trial belongs to (the job's run name): its page is `/trial?run=`. */
  run: string;
  /** Its place in a feed of `total` cards (0-based), which a screen reader announces when
   * only some of the cards are in the page (the virtualized gallery). */
  place?: { index: number; total: number };
}) {
  const failed = isFailed(trial);
  const pruned = isPruned(trial);
  const params = Object.entries(trial.params);
  const stateClass = failed ? " trial-card-failed" : pruned ? " trial-card-pruned" : "";
  const stateLabel = failed ? ", failed" : pruned ? ", pruned" : "";
  return (
    <article
      className={`trial-card${best ? " trial-card-best" : ""}${stateClass}`}
      data-testid="trial-card"
      data-trial={trial.number}
      data-state={trial.state}
      data-best={best ? "true" : undefined}
      aria-label={`Trial ${trial.number}${best ? ", best" : ""}${stateLabel}`}
      aria-posinset={place ? place.index + 1 : undefined}
      aria-setsize={place?.total}
    >
      <header className="trial-card-header">
        <h3>
          <Link href={trialHref(run, trial.number)} data-testid="trial-card-link">
            Trial {trial.number}
          </Link>
        </h3>
        {best && <span className="badge badge-best">Best</span>}
        {failed && <span className="badge badge-failed">failed</span>}
        {pruned && <span className="badge badge-pruned">pruned</span>}
      </header>
      {pruned && (
        <p className="trial-pruned" data-testid="trial-pruned" title={trial.pruned?.reason}>
          {trial.pruned ? pruneLabel(trial.pruned) : "Pruned without a recorded reason."}
        </p>
      )}
      {failed ? (
        <p className="trial-error" data-testid="trial-error">
          {trial.error || "The trial failed without a recorded reason."}
        </p>
      ) : (
        <dl className="trial-metrics">
          <div>
            <dt>Val accuracy</dt>
            <dd>{formatFraction(metric(trial, "val_accuracy"))}</dd>
          </div>
          <div>
            <dt>Health</dt>
            <dd>{formatFraction(trial.health_score)}</dd>
          </div>
          <div>
            <dt>Total score</dt>
            <dd>{formatScore(trial.total_score)}</dd>
          </div>
          <div>
            <dt>Parameters</dt>
            <dd>{formatCount(trial.num_parameters)}</dd>
          </div>
        </dl>
      )}
      {params.length > 0 && (
        <details className="trial-params">
          <summary>Hyperparameters</summary>
          <dl>
            {params.map(([name, value]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd>{String(value)}</dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </article>
  );
}
