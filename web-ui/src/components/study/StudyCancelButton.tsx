"use client";

import { useState } from "react";

import { apiData, errorMessage } from "@/lib/api/client";
import type { StudyStatus } from "@/lib/api/types";

interface StudyCancelButtonProps {
  studyId: string;
  onCancelled: (status: StudyStatus) => void;
}

/** Asks the server to stop the study. The run in progress stops soon after, not at once, so
 * the button stays disabled once the request went through. */
export function StudyCancelButton({ studyId, onCancelled }: StudyCancelButtonProps) {
  const [state, setState] = useState<"idle" | "sending" | "requested">("idle");
  const [error, setError] = useState<string | null>(null);

  async function cancel() {
    setState("sending");
    setError(null);
    try {
      const status = await apiData((client) =>
        client.POST("/comparison-study/{study_id}/cancel", {
          params: { path: { study_id: studyId } },
        }),
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
        data-testid="study-cancel-button"
        disabled={state !== "idle"}
        onClick={() => void cancel()}
      >
        {state === "idle" ? "Cancel study" : "Stopping…"}
      </button>
      {error && (
        <span className="inline-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
