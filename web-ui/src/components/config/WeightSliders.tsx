"use client";

import {
  componentLabel,
  componentPercents,
  componentTotal,
  healthPercent,
  type ParetoChoice,
  type ScoringMode,
  scoreShare,
  setAccuracy,
  setComponent,
  setHealth,
  shownWeights,
  type SliderWeights,
  weightsSent,
} from "@/lib/weights";

import { WeightSlider } from "./WeightSlider";

interface WeightSlidersProps {
  weights: SliderWeights;
  mode: ScoringMode;
  /** Pareto mode: the knee of the front needs no weights, so the sliders rest. */
  paretoChoice: ParetoChoice;
  onChange: (weights: SliderWeights) => void;
}

/** Why the sliders are locked, by mode; they are live whenever the request carries them. */
const LOCKED_HINTS: Partial<Record<ScoringMode, string>> = {
  simple:
    "Simple mode scores validation accuracy alone. Choose health-aware or pareto to weigh " +
    "model health.",
  pareto:
    "Pareto mode assembles the knee of the front and sends no weights. Choose \u201cAssemble " +
    "the best under these weights\u201d to use them.",
};

/**
 * The three-tier scoring weights: accuracy vs health, then health's six components. Moving
 * any slider rebalances the others, so each tier always totals 100%.
 */
export function WeightSliders({ weights, mode, paretoChoice, onChange }: WeightSlidersProps) {
  const locked = !weightsSent(mode, paretoChoice);
  const shown = shownWeights(weights, mode);
  const health = healthPercent(shown);
  const percents = componentPercents(shown);

  return (
    <fieldset className="weight-sliders">
      <legend>Scoring weights</legend>
      {locked && (
        <p className="hint" data-testid="weights-locked">
          {LOCKED_HINTS[mode]}
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
