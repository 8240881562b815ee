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

const SAMPLERS: { value: RunSettings["sampler"]; label: string }[] = [
  { value: "tpe", label: "TPE (Bayesian)" },
  { value: "random", label: "Random" },
  { value: "cmaes", label: "CMA-ES" },
  { value: "gp", label: "Gaussian process (needs PyTorch)" },
];

const PRUNERS: { value: RunSettings["pruner"]; label: string }[] = [
  { value: "auto", label: "Auto (Hyperband from 4 epochs)" },
  { value: "hyperband", label: "Hyperband" },
  { value: "successive-halving", label: "Successive halving" },
  { value: "median", label: "Median" },
  { value: "percentile", label: "Percentile (25th)" },
  { value: "none", label: "None" },
];

/** What to optimize: dataset, trial budget, plots, search and seed. */
export function RunFields({ settings, datasets, onChange }: RunFieldsProps) {
  const plotId = useId();
  const samplerId = useId();
  const prunerId = useId();
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
        <div className="field">
          <label htmlFor={samplerId}>Sampler</label>
          <select
            id={samplerId}
            data-testid="sampler-select"
            value={settings.sampler}
            onChange={(event) =>
              onChange({ sampler: event.target.value as RunSettings["sampler"] })
            }
          >
            {SAMPLERS.map((sampler) => (
              <option key={sampler.value} value={sampler.value}>
                {sampler.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={prunerId}>Pruner</label>
          <select
            id={prunerId}
            data-testid="pruner-select"
            value={settings.pruner}
            onChange={(event) => onChange({ pruner: event.target.value as RunSettings["pruner"] })}
          >
            {PRUNERS.map((pruner) => (
              <option key={pruner.value} value={pruner.value}>
                {pruner.label}
              </option>
            ))}
          </select>
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="health-pruning-checkbox"
            checked={settings.healthPruning}
            onChange={(event) => onChange({ healthPruning: event.target.checked })}
          />
          Stop trials whose health shows more training is pointless
        </label>
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
