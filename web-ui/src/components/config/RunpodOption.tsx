"use client";

import type { Health } from "@/lib/api/types";

/** The choice to train on RunPod GPU workers. */
export function RunpodCheckbox({
  checked,
  testId,
  onChange,
}: {
  checked: boolean;
  testId: string;
  onChange: (useRunpod: boolean) => void;
}) {
  return (
    <label className="checkbox">
      <input
        type="checkbox"
        data-testid={testId}
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
      />
      Train on RunPod GPU workers
    </label>
  );
}

/** Why a RunPod run would train locally on this server; nothing where RunPod is configured. */
export function RunpodFallbackNote({
  health,
  testId,
}: {
  health: Pick<Health, "runpod_available" | "runpod_problem">;
  testId: string;
}) {
  if (health.runpod_available) return null;
  return (
    <p className="hint" data-testid={testId}>
      RunPod is not configured on this server
      {health.runpod_problem ? ` (${health.runpod_problem})` : ""}, so a RunPod run falls back to
      local training.
    </p>
  );
}
