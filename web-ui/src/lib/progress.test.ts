import { describe, expect, it } from "vitest";

import type { JobStatus, ProgressEvent } from "@/lib/api/types";

import { applyProgress, INITIAL_PROGRESS, type JobProgress } from "./progress";

const SNAPSHOT: JobStatus = {
  job_id: "job1",
  status: "running",
  trials_completed: 0,
  trials_total: 3,
  current_trial: null,
  current_epoch: null,
  best_score: null,
  best_trial: null,
  elapsed_seconds: 1.5,
  error: null,
  run_name: "digits-run",
  dataset_name: "digits",
  mode: "health-aware",
  created_at: "2026-01-01T00:00:00",
};

function fold(events: ProgressEvent[]): JobProgress {
  return events.reduce(
    (progress, event) => applyProgress(progress, { type: "event", event }),
    INITIAL_PROGRESS,
  );
}

const start: ProgressEvent = { kind: "status", ...SNAPSHOT };

describe("applyProgress", () => {
  it("ignores events until the status snapshot arrives", () => {
    expect(fold([{ kind: "trial_started", job_id: "job1", trial_number: 0 }]).status).toBeNull();
  });

  it("follows the trial and epoch in progress", () => {
    const progress = fold([
      start,
      { kind: "trial_started", job_id: "job1", trial_number: 1 },
      {
        kind: "epoch_end",
        job_id: "job1",
        trial_number: 1,
        epoch: 3,
        epochs: 8,
        val_accuracy: 0.9,
        val_loss: 0.3,
      },
    ]);
    expect(progress.status).toMatchObject({ current_trial: 1, current_epoch: 3 });
    expect(progress.epochs).toBe(8);
  });

  it("counts finished trials and takes the best from trial_finished", () => {
    const progress = fold([
      start,
      {
        kind: "trial_finished",
        job_id: "job1",
        trial_number: 0,
        state: "COMPLETE",
        error: null,
        metrics: { val_accuracy: 0.8 },
        total_score: 0.8,
        trials_done: 1,
        trials_total: 3,
        best_trial: 0,
        best_value: 0.8,
      },
    ]);
    expect(progress.trialsFinished).toBe(1);
    expect(progress.status).toMatchObject({ trials_completed: 1, best_trial: 0, best_score: 0.8 });
  });

  it("clears the current trial when the job ends", () => {
    const progress = fold([
      start,
      { kind: "trial_started", job_id: "job1", trial_number: 2 },
      { kind: "job_finished", job_id: "job1", status: "completed" },
    ]);
    expect(progress.status).toMatchObject({
      status: "completed",
      current_trial: null,
      current_epoch: null,
    });
  });

  it("keeps the server's notice", () => {
    expect(
      fold([start, { kind: "notice", job_id: "job1", message: "RunPod unavailable" }]).notice,
    ).toBe("RunPod unavailable");
  });

  it("replaces everything with a polled status", () => {
    const polled = { ...SNAPSHOT, trials_completed: 2, status: "failed" as const, error: "boom" };
    expect(applyProgress(fold([start]), { type: "status", status: polled }).status).toEqual(polled);
  });
});
