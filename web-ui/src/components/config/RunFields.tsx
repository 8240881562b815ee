"use client";

import { useId } from "react";

import {
  type Pruner,
  prunerFits,
  type RunSettings,
  type Sampler,
  samplerFits,
} from "@/lib/optimizeForm";
import type { ScoringMode } from "@/lib/weights";

import { DatasetField } from "./DatasetField";
import { NumberField } from "./NumberField";

interface RunFieldsProps {
  settings: RunSettings;
  datasets: string[];
  /** The users' own models the server registered; the select shows only when there are any. */
  models?: string[];
  onChange: (patch: Partial<RunSettings>) => void;
}

const PLOT_MODES: { value: RunSettings["plotGeneration"]; label: string }[] = [
  { value: "best", label: "Best trial only" },
  { value: "all", label: "Every trial" },
  { value: "none", label: "None" },
];

const SAMPLERS: { value: Sampler; label: string }[] = [
  { value: "tpe", label: "TPE (Bayesian)" },
  { value: "nsga2", label: "NSGA-II (genetic, multi-objective)" },
  { value: "random", label: "Random" },
  { value: "cmaes", label: "CMA-ES" },
  { value: "gp", label: "Gaussian process (needs PyTorch)" },
];

const PRUNERS: { value: Pruner; label: string }[] = [
  { value: "auto", label: "Auto (Hyperband from 4 epochs)" },
  { value: "hyperband", label: "Hyperband" },
  { value: "successive-halving", label: "Successive halving" },
  { value: "median", label: "Median" },
  { value: "percentile", label: "Percentile (25th)" },
  { value: "none", label: "None" },
];

/** The samplers `mode` can run (NSGA-II in pareto mode only, CMA-ES outside it). */
function samplerChoices(mode: ScoringMode) {
  return SAMPLERS.filter((choice) => samplerFits(choice.value, mode));
}

/** The pruners `mode` can run; in pareto mode auto means none, and says so. */
function prunerChoices(mode: ScoringMode) {
  const fitting = PRUNERS.filter((choice) => prunerFits(choice.value, mode));
  if (mode !== "pareto") return fitting;
  return fitting.map((choice) =>
    choice.value === "auto" ? { ...choice, label: "Auto (none in pareto mode)" } : choice,
  );
}

interface ChoiceFieldProps<T extends string> {
  label: string;
  testId: string;
  value: T;
  choices: { value: T; label: string }[];
  onChange: (value: T) => void;
}

/** A labelled select over a fixed set of values. */
function ChoiceField<T extends string>({
  label,
  testId,
  value,
  choices,
  onChange,
}: ChoiceFieldProps<T>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        data-testid={testId}
        value={value}
        onChange={(event) => onChange(event.target.value as T)}
      >
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** What to optimize: dataset, trial budget, plots, search and seed. */
export function RunFields({ settings, datasets, models = [], onChange }: RunFieldsProps) {
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
        {models.length > 0 && (
          <ChoiceField
            label="Model"
            testId="model-select"
            value={settings.model}
            choices={[
              { value: "", label: "Built-in search space" },
              ...models.map((name) => ({ value: name, label: name })),
            ]}
            onChange={(model) => onChange({ model })}
          />
        )}
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
        <ChoiceField
          label="Plots"
          testId="plot-mode-select"
          value={settings.plotGeneration}
          choices={PLOT_MODES}
          onChange={(plotGeneration) => onChange({ plotGeneration })}
        />
        <ChoiceField
          label="Sampler"
          testId="sampler-select"
          value={settings.sampler}
          choices={samplerChoices(settings.mode)}
          onChange={(sampler) => onChange({ sampler })}
        />
        <ChoiceField
          label="Pruner"
          testId="pruner-select"
          value={settings.pruner}
          choices={prunerChoices(settings.mode)}
          onChange={(pruner) => onChange({ pruner })}
        />
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
      {settings.mode === "pareto" && (
        <p className="hint" data-testid="pruner-note">
          Pareto mode runs no Optuna pruner (auto means none): Optuna&apos;s pruners take one
          objective, and this study has two. Health pruning still applies.
        </p>
      )}
    </fieldset>
  );
}
