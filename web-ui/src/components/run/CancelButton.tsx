"use client";

import { useState } from "react";

import { apiData, errorMessage } from "@/lib/api/client";
import type { JobStatus } from "@/lib/api/types";

interface CancelButtonProps {
  jobId: string;
  onCancelled: (status: JobStatus) => void;
}

/** Asks the server to stop the job. A running job stops soon after, not at once, so the
 * button stays disabled once the request went through. */
export function CancelButton({ jobId, onCancelled }: CancelButtonProps) {
  const [state, setState] = useState<"idle" | "sending" | "requested">("idle");
  const [error, setError] = useState<string | null>(null);

  async function cancel() {
    setState("sending");
    setError(null);
    try {
      const status = await apiData((client) =>
        client.POST("/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } }),
      );
      setState("requested");
      onCancelled(status);
    } catch (failure) {
      setError(errorMessage(failure));
      setState("idle");
    }
  }

  return (
    <span className="cancel">
      <button
        type="button"
        className="button button-danger"
        data-testid="cancel-button"
        disabled={state !== "idle"}
        onClick={cancel}
      >
        {state === "idle" ? "Cancel run" : "Stopping…"}
      </button>
      {error && (
        <span className="inline-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
