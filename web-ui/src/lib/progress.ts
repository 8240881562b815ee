/**
 * A job's live progress, folded from the WebSocket's events or from polled statuses. Pure, so
 * the run view and its tests share one account of what each event means.
 */
import type { JobStatus, JobStatusName, ProgressEvent } from "@/lib/api/types";

export interface JobProgress {
  status: JobStatus | null;
  /** Epochs of the trial in progress, known once it reports its first epoch. */
  epochs: number | null;
  /** Counts trial_finished events: each one means the trial list has changed. */
  trialsFinished: number;
  /** The server's latest notice for this job, such as a RunPod fallback. */
  notice: string | null;
}

export type ProgressAction =
  { type: "event"; event: ProgressEvent } | { type: "status"; status: JobStatus };

export const INITIAL_PROGRESS: JobProgress = {
  status: null,
  epochs: null,
  trialsFinished: 0,
  notice: null,
};

const FINAL: ReadonlySet<JobStatusName> = new Set(["completed", "failed", "cancelled"]);

export function isFinal(status: JobStatusName): boolean {
  return FINAL.has(status);
}

export function applyProgress(progress: JobProgress, action: ProgressAction): JobProgress {
  if (action.type === "status") return { ...progress, status: action.status };
  const { event } = action;
  if (event.kind === "status") {
    const { kind: _kind, ...status } = event;
    return { ...progress, status: status as JobStatus };
  }
  if (event.kind === "notice") return { ...progress, notice: event.message };
  const status = progress.status;
  if (!status) return progress; // the snapshot always comes first; nothing to update yet
  switch (event.kind) {
    case "run_started":
      return {
        ...progress,
        status: {
          ...status,
          trials_total: event.trials_total,
          trials_completed: event.trials_done,
        },
      };
    case "trial_started":
      return {
        ...progress,
        status: { ...status, current_trial: event.trial_number, current_epoch: 0 },
      };
    case "epoch_end":
      return {
        ...progress,
        epochs: event.epochs,
        status: { ...status, current_trial: event.trial_number, current_epoch: event.epoch },
      };
    case "trial_finished":
      return {
        ...progress,
        trialsFinished: progress.trialsFinished + 1,
        status: {
          ...status,
          trials_completed: event.trials_done,
          trials_total: event.trials_total,
          best_trial: event.best_trial ?? null,
          best_score: event.best_value ?? null,
        },
      };
    case "run_finished":
      return {
        ...progress,
        status: {
          ...status,
          best_trial: event.best_trial ?? null,
          best_score: event.best_value ?? null,
        },
      };
    case "job_status":
    case "job_finished":
      return { ...progress, status: withStatus(status, event.status) };
    default:
      return progress; // plots_drawn changes nothing the run view shows
  }
}

function withStatus(status: JobStatus, name: JobStatusName): JobStatus {
  // A finished job has no current trial; the server reports null then too.
  return isFinal(name)
    ? { ...status, status: name, current_trial: null, current_epoch: null }
    : { ...status, status: name };
}
