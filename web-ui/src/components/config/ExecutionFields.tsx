"use client";

import type { Health } from "@/lib/api/types";
import type { RunSettings } from "@/lib/optimizeForm";

import { NumberField } from "./NumberField";
import { RunpodCheckbox, RunpodFallbackNote } from "./RunpodOption";

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
          <RunpodCheckbox
            checked={settings.useRunpod}
            testId="runpod-checkbox"
            onChange={(useRunpod) => onChange({ useRunpod })}
          />
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
      <RunpodFallbackNote health={health} testId="runpod-note" />
    </fieldset>
  );
}
