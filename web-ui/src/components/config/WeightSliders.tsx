"use client";

import {
  componentLabel,
  componentPercents,
  componentTotal,
  healthPercent,
  type ScoringMode,
  scoreShare,
  setAccuracy,
  setComponent,
  setHealth,
  shownWeights,
  type SliderWeights,
} from "@/lib/weights";

import { WeightSlider } from "./WeightSlider";

interface WeightSlidersProps {
  weights: SliderWeights;
  mode: ScoringMode;
  onChange: (weights: SliderWeights) => void;
}

/**
 * The three-tier scoring weights: accuracy vs health, then health's six components. Moving
 * any slider rebalances the others, so each tier always totals 100%.
 */
export function WeightSliders({ weights, mode, onChange }: WeightSlidersProps) {
  const locked = mode === "simple";
  const shown = shownWeights(weights, mode);
  const health = healthPercent(shown);
  const percents = componentPercents(shown);

  return (
    <fieldset className="weight-sliders">
      <legend>Scoring weights</legend>
      {locked && (
        <p className="hint">
          Simple mode scores validation accuracy alone. Choose health-aware to weigh model health.
        </p>
      )}
      <WeightSlider
        label="Accuracy"
        testId="weight-accuracy"
        value={shown.accuracy}
        disabled={locked}
        onChange={(value) => onChange(setAccuracy(weights, value))}
      />
      <WeightSlider
        label="Health"
        testId="weight-health"
        value={health}
        disabled={locked}
        onChange={(value) => onChange(setHealth(weights, value))}
      />
      <p className="weight-total">
        Total <span data-testid="weights-total">{shown.accuracy + health}%</span>
      </p>

      <fieldset className="weight-components" disabled={locked}>
        <legend>Health components (share of the health weight)</legend>
        {Object.keys(percents).map((name) => (
          <WeightSlider
            key={name}
            label={componentLabel(name)}
            testId={`weight-component-${name}`}
            value={percents[name]}
            disabled={locked}
            hint={`= ${formatShare(scoreShare(shown, name))} of score`}
            onChange={(value) => onChange(setComponent(weights, name, value))}
          />
        ))}
        <p className="weight-total">
          Total <span data-testid="components-total">{componentTotal(shown)}%</span>
        </p>
      </fieldset>
    </fieldset>
  );
}

function formatShare(percent: number): string {
  return `${Number.isInteger(percent) ? percent : percent.toFixed(1)}%`;
}
