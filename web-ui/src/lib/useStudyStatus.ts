"use client";

import { useCallback, useEffect, useState } from "react";

import { ApiError, apiData, errorMessage } from "@/lib/api/client";
import type { StudyStatus } from "@/lib/api/types";
import { analysisDue, isActive } from "@/lib/study";

/** Studies run for minutes; a status every 1.5 s keeps the cards live without flooding. */
export const STUDY_POLL_MS = 1500;
/** How many times to ask again while an analysis requested up front has not started yet
 * (a server stopped at that moment resumes nothing, so this must end). */
const DUE_POLLS = 20;

export interface StudyStatusState {
  status: StudyStatus | null;
  /** Why the last status request failed, while it keeps failing. */
  error: string | null;
  /** Puts a status the page got itself (from analyze or cancel) into the view; polling
   * starts again when it says the study is running. */
  setStatus: (status: StudyStatus) => void;
  retry: () => void;
}

function fetchStatus(studyId: string): Promise<StudyStatus> {
  return apiData((client) =>
    client.GET("/comparison-study/{study_id}/status", {
      params: { path: { study_id: studyId } },
    }),
  );
}

/**
 * A study's status, polled while it runs. Polling stops when it no longer runs (phase 1a
 * waiting for an analysis, analysed, failed, cancelled) and starts again with `setStatus`.
 */
export function useStudyStatus(studyId: string): StudyStatusState {
  const [status, setStatusState] = useState<StudyStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Bumped to start a new polling loop: on retry, and when a status from the page says so.
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let duePolls = 0;

    async function poll() {
      if (stopped) return;
      try {
        const next = await fetchStatus(studyId);
        if (stopped) return;
        setStatusState(next);
        setError(null);
        if (!isActive(next)) {
          if (!analysisDue(next) || ++duePolls > DUE_POLLS) return;
        }
      } catch (failure) {
        if (stopped) return;
        setError(errorMessage(failure));
        // A wrong token or an unknown study will not fix itself; stop until the user retries.
        if (failure instanceof ApiError && (failure.status === 401 || failure.status === 404))
          return;
      }
      timer = setTimeout(poll, STUDY_POLL_MS);
    }

    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [studyId, generation]);

  const setStatus = useCallback((next: StudyStatus) => {
    setStatusState(next);
    if (isActive(next)) setGeneration((n) => n + 1);
  }, []);
  const retry = useCallback(() => setGeneration((n) => n + 1), []);
  return { status, error, setStatus, retry };
}
