"use client";

import { useCallback, useEffect, useReducer, useState } from "react";

import { ApiError, apiData, errorMessage, wsUrl } from "@/lib/api/client";
import type { JobStatus, ProgressEvent } from "@/lib/api/types";
import { applyProgress, INITIAL_PROGRESS, isFinal, type JobProgress } from "@/lib/progress";

export type ConnectionMode = "connecting" | "websocket" | "polling";

const POLL_MS = 1000;

export interface JobProgressState extends JobProgress {
  mode: ConnectionMode;
  /** Why the last status request failed, while it keeps failing. */
  error: string | null;
  /** Puts a status the page fetched itself (after a cancel) into the view. */
  setStatus: (status: JobStatus) => void;
  /** Connects again after polling gave up. */
  retry: () => void;
}

function fetchStatus(jobId: string): Promise<JobStatus> {
  return apiData((client) =>
    client.GET("/jobs/{job_id}/status", { params: { path: { job_id: jobId } } }),
  );
}

/**
 * A job's progress: the WebSocket's events while it is open, and GET /status every second
 * when it fails or closes before the job ends (a proxy without WebSocket support, a restart).
 */
export function useJobProgress(jobId: string): JobProgressState {
  const [progress, dispatch] = useReducer(applyProgress, INITIAL_PROGRESS);
  const [mode, setMode] = useState<ConnectionMode>("connecting");
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let stopped = false;
    let jobEnded = false;
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;

    async function poll() {
      if (stopped) return;
      try {
        const status = await fetchStatus(jobId);
        if (stopped) return;
        dispatch({ type: "status", status });
        setError(null);
        if (isFinal(status.status)) return;
      } catch (failure) {
        if (stopped) return;
        setError(errorMessage(failure));
        // A wrong token or an unknown job will not fix itself; stop until the user retries.
        if (failure instanceof ApiError && (failure.status === 401 || failure.status === 404))
          return;
      }
      timer = setTimeout(poll, POLL_MS);
    }

    function fallBackToPolling() {
      if (stopped) return;
      setMode("polling");
      void poll();
    }

    async function refreshFinalStatus() {
      // Events carry no elapsed time or error text; the final status has both.
      try {
        const status = await fetchStatus(jobId);
        if (!stopped) dispatch({ type: "status", status });
      } catch {
        // The events already said how the job ended; the extra detail is a nicety.
      }
    }

    function handleEvent(event: ProgressEvent) {
      dispatch({ type: "event", event });
      const ended =
        (event.kind === "status" || event.kind === "job_status" || event.kind === "job_finished") &&
        isFinal(event.status);
      if (ended && !jobEnded) {
        jobEnded = true;
        if (event.kind !== "status") void refreshFinalStatus();
      }
    }

    async function connect() {
      let url: string;
      try {
        url = await wsUrl(`/ws/jobs/${encodeURIComponent(jobId)}`);
      } catch {
        fallBackToPolling();
        return;
      }
      if (stopped) return;
      socket = new WebSocket(url);
      socket.onopen = () => !stopped && setMode("websocket");
      socket.onmessage = (message) =>
        handleEvent(JSON.parse(String(message.data)) as ProgressEvent);
      // An error is always followed by close, so close alone decides about the fallback.
      socket.onclose = () => {
        if (!jobEnded) fallBackToPolling();
      };
    }

    setMode("connecting");
    setError(null);
    void connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, [jobId, attempt]);

  const setStatus = useCallback((status: JobStatus) => dispatch({ type: "status", status }), []);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...progress, mode, error, setStatus, retry };
}
