"use client";

import type { ScoringMode } from "@/lib/weights";

const MODES: { value: ScoringMode; testId: string; label: string; description: string }[] = [
  {
    value: "simple",
    testId: "mode-simple",
    label: "Simple",
    description: "score = validation accuracy",
  },
  {
    value: "health-aware",
    testId: "mode-health-aware",
    label: "Health-aware",
    description: "score = accuracy and model health, weighted below",
  },
];

/** The scoring mode radios. */
export function ModeField({
  mode,
  onChange,
}: {
  mode: ScoringMode;
  onChange: (mode: ScoringMode) => void;
}) {
  return (
    <fieldset className="mode-field">
      <legend>Optimization mode</legend>
      {MODES.map((option) => (
        <label key={option.value} className="radio">
          <input
            type="radio"
            name="mode"
            value={option.value}
            checked={mode === option.value}
            data-testid={option.testId}
            onChange={() => onChange(option.value)}
          />
          <span>
            <strong>{option.label}</strong> <small>{option.description}</small>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
