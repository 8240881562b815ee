"use client";

import { useId } from "react";

import type { RunSettings } from "@/lib/optimizeForm";

import { DatasetField } from "./DatasetField";
import { NumberField } from "./NumberField";

interface RunFieldsProps {
  settings: RunSettings;
  datasets: string[];
  onChange: (patch: Partial<RunSettings>) => void;
}

const PLOT_MODES: { value: RunSettings["plotGeneration"]; label: string }[] = [
  { value: "best", label: "Best trial only" },
  { value: "all", label: "Every trial" },
  { value: "none", label: "None" },
];

/** What to optimize: dataset, trial budget, plots and seed. */
export function RunFields({ settings, datasets, onChange }: RunFieldsProps) {
  const plotId = useId();
  return (
    <fieldset>
      <legend>Run</legend>
      <div className="field-grid">
        <DatasetField
          datasets={datasets}
          value={settings.datasetName}
          testId="dataset-select"
          onChange={(datasetName) => onChange({ datasetName })}
        />
        <NumberField
          label="Trials"
          testId="trials-input"
          value={settings.trials}
          min={1}
          max={100000}
          onChange={(trials) => onChange({ trials })}
        />
        <NumberField
          label="Max epochs per trial"
          testId="epochs-input"
          value={settings.epochs}
          min={1}
          max={10000}
          onChange={(epochs) => onChange({ epochs })}
        />
        <div className="field">
          <label htmlFor={plotId}>Plots</label>
          <select
            id={plotId}
            data-testid="plot-mode-select"
            value={settings.plotGeneration}
            onChange={(event) =>
              onChange({ plotGeneration: event.target.value as RunSettings["plotGeneration"] })
            }
          >
            {PLOT_MODES.map((mode) => (
              <option key={mode.value} value={mode.value}>
                {mode.label}
              </option>
            ))}
          </select>
        </div>
        <NumberField
          label="Seed"
          testId="seed-input"
          value={settings.seed}
          min={0}
          max={4294967295}
          onChange={(seed) => onChange({ seed })}
        />
      </div>
    </fieldset>
  );
}
