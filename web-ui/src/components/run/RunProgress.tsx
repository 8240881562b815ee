import type { JobStatus } from "@/lib/api/types";
import { formatDuration, formatScore, formatTimestamp } from "@/lib/format";
import { isFinal } from "@/lib/progress";

interface RunProgressProps {
  status: JobStatus;
  /** Epochs of the trial in progress, when the events said so. */
  epochs: number | null;
}

/** Where the job stands: trials done, the trial and epoch in progress, the best score. */
export function RunProgress({ status, epochs }: RunProgressProps) {
  const ended = isFinal(status.status);
  const percent =
    status.trials_total > 0 ? (status.trials_completed / status.trials_total) * 100 : 0;
  return (
    <div className="run-progress" aria-live="polite">
      <div
        className="progress-bar"
        role="progressbar"
        aria-label="Trials finished"
        aria-valuemin={0}
        aria-valuemax={status.trials_total}
        aria-valuenow={status.trials_completed}
      >
        <span style={{ width: `${Math.min(100, percent)}%` }} />
      </div>
      <dl className="stats">
        <div>
          <dt>Trials</dt>
          <dd data-testid="progress-trials">
            {status.trials_completed} / {status.trials_total}
          </dd>
        </div>
        <div>
          <dt>Current trial</dt>
          <dd data-testid="current-trial">{status.current_trial ?? "—"}</dd>
        </div>
        <div>
          <dt>Epoch</dt>
          <dd data-testid="current-epoch">
            {status.current_epoch ?? "—"}
            {status.current_epoch !== null && epochs !== null ? ` / ${epochs}` : ""}
          </dd>
        </div>
        <div>
          <dt>Best score</dt>
          <dd>
            {formatScore(status.best_score)}
            {status.best_trial !== null ? ` (trial ${status.best_trial})` : ""}
          </dd>
        </div>
        <div>
          <dt>{ended ? "Took" : "Started"}</dt>
          <dd>
            {ended ? formatDuration(status.elapsed_seconds) : formatTimestamp(status.created_at)}
          </dd>
        </div>
      </dl>
      {status.error && (
        // A cancelled job's "error" only says why it stopped; it is no failure.
        <p className={status.status === "cancelled" ? "hint" : "inline-error"}>{status.error}</p>
      )}
    </div>
  );
}
