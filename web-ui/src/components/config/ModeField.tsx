"use client";

import { Fragment, type ReactNode } from "react";

import type { RunSettings } from "@/lib/optimizeForm";
import type { ParetoChoice, ScoringMode } from "@/lib/weights";

import styles from "./config.module.css";
import { NumberField } from "./NumberField";

interface Choice<T> {
  value: T;
  testId: string;
  label: string;
  description: string;
}

const MODES: Choice<ScoringMode>[] = [
  {
    value: "simple",
    testId: "mode-simple",
    label: "Simple",
    description: "the highest validation accuracy wins",
  },
  {
    value: "health-aware",
    testId: "mode-health-aware",
    label: "Health-aware",
    description: "the healthiest trial within the accuracy margin of the best wins",
  },
  {
    value: "pareto",
    testId: "mode-pareto",
    label: "Pareto",
    description: "accuracy and health as two objectives; the front is shown on the Pareto page",
  },
];

const PARETO_CHOICES: Choice<ParetoChoice>[] = [
  {
    value: "knee",
    testId: "pareto-choice-knee",
    label: "Assemble the knee of the front",
    description: "the compromise: nearest the best of both, each scaled to the front's range",
  },
  {
    value: "weights",
    testId: "pareto-choice-weights",
    label: "Assemble the best under these weights",
    description: "the member with the highest total under the scoring weights below",
  },
];

type ModeSettings = Pick<RunSettings, "mode" | "accuracyMargin" | "paretoChoice">;

/** One radio, its description beside it. */
function Radio<T extends string>({
  name,
  choice,
  checked,
  onChange,
}: {
  name: string;
  choice: Choice<T>;
  checked: boolean;
  onChange: (value: T) => void;
}) {
  return (
    <label className="radio">
      <input
        type="radio"
        name={name}
        value={choice.value}
        checked={checked}
        data-testid={choice.testId}
        onChange={() => onChange(choice.value)}
      />
      <span>
        <strong>{choice.label}</strong> <small>{choice.description}</small>
      </span>
    </label>
  );
}

/** The scoring mode radios; the chosen mode's own setting opens under its radio: health-aware
 * mode's accuracy margin, or which front member pareto mode assembles. */
export function ModeField({
  settings,
  onChange,
}: {
  settings: ModeSettings;
  onChange: (patch: Partial<ModeSettings>) => void;
}) {
  const setting: Partial<Record<ScoringMode, ReactNode>> = {
    "health-aware": (
      <div className={styles.modeOptions}>
        <NumberField
          label="Accuracy margin (points)"
          testId="accuracy-margin-input"
          value={settings.accuracyMargin}
          min={0}
          max={100}
          step={0.1}
          onChange={(accuracyMargin) => onChange({ accuracyMargin })}
        />
        <p className="hint">
          Trials this close to the best validation accuracy count as equally accurate.
        </p>
      </div>
    ),
    pareto: (
      <fieldset className={styles.modeOptions}>
        <legend>Assembled model</legend>
        {PARETO_CHOICES.map((choice) => (
          <Radio
            key={choice.value}
            name="pareto-choice"
            choice={choice}
            checked={settings.paretoChoice === choice.value}
            onChange={(paretoChoice) => onChange({ paretoChoice })}
          />
        ))}
      </fieldset>
    ),
  };
  return (
    <fieldset className="mode-field">
      <legend>Optimization mode</legend>
      {MODES.map((choice) => (
        <Fragment key={choice.value}>
          <Radio
            name="mode"
            choice={choice}
            checked={settings.mode === choice.value}
            onChange={(mode) => onChange({ mode })}
          />
          {settings.mode === choice.value && setting[choice.value]}
        </Fragment>
      ))}
    </fieldset>
  );
}
