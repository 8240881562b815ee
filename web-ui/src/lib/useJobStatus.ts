"use client";

import { useEffect, useRef, useState } from "react";

import { apiData } from "@/lib/api/client";
import type { JobStatus } from "@/lib/api/types";
import { isFinal } from "@/lib/progress";
import { type ApiState, useApi } from "@/lib/useApi";

/** How often a page about one job reads again while the job runs: each finished trial can
 * change what it shows (a better trial, the front, new plots). */
export const REFRESH_MS = 4000;

/** The path parameters of every `/jobs/{job_id}/…` request. */
export function jobPath(jobId: string) {
  return { params: { path: { job_id: jobId } } };
}

export interface JobStatusState {
  status: ApiState<JobStatus>;
  /** The job is known to be pending or running. */
  jobActive: boolean;
  /** Keep reading the job's data: true until the job is known to have ended, so also before
   * the first answer and while the status cannot be read (the job may well be running). */
  polling: boolean;
}

/** A job's status from `GET /jobs/{job_id}/status`, read every `REFRESH_MS` until it ends. */
export function useJobStatus(jobId: string): JobStatusState {
  // Whether to ask again depends on the answer, which the request itself brings: kept in
  // state, so the timer stops one render after the job is seen to end.
  const [ask, setAsk] = useState(true);
  const status = useApi(
    () => apiData((client) => client.GET("/jobs/{job_id}/status", jobPath(jobId))),
    [jobId],
    { intervalMs: ask ? REFRESH_MS : 0 },
  );
  const name = status.data?.status;
  const ended = name !== undefined && isFinal(name);
  useEffect(() => setAsk(!ended), [ended]);
  return { status, jobActive: name !== undefined && !ended, polling: !ended };
}

/** Calls `reread` once when a job seen running ends: polling stops then, and the last poll
 * may predate what the final trial changed. A job already over when the page opens needs no
 * second read. */
export function useRereadWhenJobEnds(jobActive: boolean, reread: () => void): void {
  const rereadRef = useRef(reread);
  useEffect(() => {
    rereadRef.current = reread; // the newest closure, without re-running the effect below
  });
  const wasActive = useRef(false);
  useEffect(() => {
    if (wasActive.current && !jobActive) rereadRef.current();
    wasActive.current = jobActive;
  }, [jobActive]);
}
