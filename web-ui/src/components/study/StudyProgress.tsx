import type { StudyModeProgress, StudyStatus } from "@/lib/api/types";
import { formatFraction } from "@/lib/format";
import { MODE_LABELS, modeState, type ModeState, type StudyMode } from "@/lib/study";

import styles from "./study.module.css";

const STATE_LABELS: Record<ModeState, string> = {
  waiting: "waiting",
  running: "running",
  done: "done",
  stopped: "stopped",
};

// Pill colours shared with the jobs' badges.
const STATE_BADGES: Record<ModeState, string> = {
  waiting: "badge-pending",
  running: "badge-running",
  done: "badge-completed",
  stopped: "badge-cancelled",
};

/** Phase 1a: the two modes side by side, and the ablation's runs when phase 1b has them. */
export function StudyProgress({ status }: { status: StudyStatus }) {
  return (
    <section aria-labelledby="phase-1a-title" data-testid="study-progress">
      <h2 id="phase-1a-title">Phase 1a: model building</h2>
      <div className={styles.modeCards}>
        <ModeProgressCard
          mode="accuracy_only"
          progress={status.accuracy_only_progress}
          status={status}
        />
        <ModeProgressCard
          mode="health_aware"
          progress={status.health_aware_progress}
          status={status}
        />
      </div>
      {status.ablation_progress && (
        <p className={styles.ablation} data-testid="ablation-progress">
          Ablation runs (one health component each):{" "}
          <strong>
            {status.ablation_progress.components_completed} /{" "}
            {status.ablation_progress.components_total}
          </strong>
          {status.ablation_progress.current_component &&
            ` · now ${status.ablation_progress.current_component.replace(/_/g, " ")}`}
        </p>
      )}
    </section>
  );
}

interface ModeProgressCardProps {
  mode: StudyMode;
  progress: StudyModeProgress;
  status: StudyStatus;
}

/** One mode's runs: how many ended (and failed), the run in progress, the best model so far. */
export function ModeProgressCard({ mode, progress, status }: ModeProgressCardProps) {
  const state = modeState(progress, status);
  const ended = progress.runs_completed + progress.runs_failed;
  const percent = progress.runs_total > 0 ? (ended / progress.runs_total) * 100 : 0;
  const running = state === "running" && progress.current_run !== null;
  return (
    <article
      className={`card ${styles.modeCard}`}
      data-testid={`mode-card-${mode}`}
      data-state={state}
    >
      <header className={styles.modeCardHeader}>
        <h3>{MODE_LABELS[mode]}</h3>
        <span className={`badge ${STATE_BADGES[state]}`} data-testid={`mode-state-${mode}`}>
          {STATE_LABELS[state]}
        </span>
      </header>
      <div
        className="progress-bar"
        role="progressbar"
        aria-label={`${MODE_LABELS[mode]} runs finished`}
        aria-valuemin={0}
        aria-valuemax={progress.runs_total}
        aria-valuenow={ended}
      >
        <span style={{ width: `${Math.min(100, percent)}%` }} />
      </div>
      <dl className="stats">
        <div>
          <dt>Runs completed</dt>
          <dd data-testid={`mode-runs-${mode}`}>
            {progress.runs_completed} / {progress.runs_total}
          </dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd data-testid={`mode-failed-${mode}`}>{progress.runs_failed}</dd>
        </div>
        <div>
          <dt>Current run</dt>
          <dd data-testid={`mode-current-${mode}`}>
            {running
              ? `run ${progress.current_run}: ` +
                `${progress.current_trials_done} / ${progress.trials_per_run} trials`
              : "—"}
          </dd>
        </div>
        <div>
          <dt>Best validation accuracy</dt>
          <dd data-testid={`mode-best-${mode}`}>{formatFraction(progress.best_val_accuracy)}</dd>
        </div>
        {typeof progress.best_holdout_accuracy === "number" && (
          <div>
            <dt>Selected model on the holdout</dt>
            <dd>{formatFraction(progress.best_holdout_accuracy)}</dd>
          </div>
        )}
      </dl>
    </article>
  );
}
