"use client";

import type { Health } from "@/lib/api/types";
import type { RunSettings } from "@/lib/optimizeForm";

import { NumberField } from "./NumberField";

interface ExecutionFieldsProps {
  settings: RunSettings;
  health: Health;
  onChange: (patch: Partial<RunSettings>) => void;
}

/** Where and how many trials run at once: concurrency and RunPod GPU workers. */
export function ExecutionFields({ settings, health, onChange }: ExecutionFieldsProps) {
  return (
    <fieldset>
      <legend>Execution</legend>
      <div className="option-rows">
        <div className="option-row">
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="concurrent-checkbox"
              checked={settings.concurrent}
              onChange={(event) => onChange({ concurrent: event.target.checked })}
            />
            Run trials concurrently
          </label>
          <NumberField
            label="Concurrent workers"
            testId="workers-input"
            value={settings.workers}
            min={1}
            max={256}
            disabled={!settings.concurrent}
            onChange={(workers) => onChange({ workers })}
          />
        </div>
        <div className="option-row">
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="runpod-checkbox"
              checked={settings.useRunpod}
              onChange={(event) => onChange({ useRunpod: event.target.checked })}
            />
            Train on RunPod GPU workers
          </label>
          <NumberField
            label="GPUs per worker"
            testId="gpus-input"
            value={settings.gpusPerWorker}
            min={1}
            max={8}
            disabled={!settings.useRunpod}
            onChange={(gpusPerWorker) => onChange({ gpusPerWorker })}
          />
        </div>
      </div>
      {!health.runpod_available && (
        <p className="hint">
          RunPod is not configured on this server
          {health.runpod_problem ? ` (${health.runpod_problem})` : ""}, so a RunPod run falls back
          to local training.
        </p>
      )}
    </fieldset>
  );
}
