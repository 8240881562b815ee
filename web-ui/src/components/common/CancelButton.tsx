"use client";

import { useState } from "react";

import { errorMessage } from "@/lib/api/client";

interface CancelButtonProps<Status> {
  /** What the button says while nothing has been asked yet, e.g. "Cancel run". */
  label: string;
  testId: string;
  /** Asks the server to stop; resolves to the status it answered with. */
  cancel: () => Promise<Status>;
  onCancelled: (status: Status) => void;
}

/** Asks the server to stop a job or a study. What runs stops soon after, not at once, so the
 * button stays disabled once the request went through. */
export function CancelButton<Status>({
  label,
  testId,
  cancel,
  onCancelled,
}: CancelButtonProps<Status>) {
  const [state, setState] = useState<"idle" | "sending" | "requested">("idle");
  const [error, setError] = useState<string | null>(null);

  async function requestCancel() {
    setState("sending");
    setError(null);
    try {
      const status = await cancel();
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
        data-testid={testId}
        disabled={state !== "idle"}
        onClick={() => void requestCancel()}
      >
        {state === "idle" ? label : "Stopping…"}
      </button>
      {error && (
        <span className="inline-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
