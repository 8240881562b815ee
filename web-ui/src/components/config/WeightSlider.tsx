"use client";

import { useId } from "react";

interface WeightSliderProps {
  label: string;
  testId: string;
  value: number;
  disabled?: boolean;
  /** Extra context under the value, such as the share of the whole score. */
  hint?: string;
  onChange: (value: number) => void;
}

/** One labelled 0-100 % range input with its value beside it. */
export function WeightSlider({
  label,
  testId,
  value,
  disabled,
  hint,
  onChange,
}: WeightSliderProps) {
  const id = useId();
  return (
    <div className="weight-slider">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="range"
        min={0}
        max={100}
        step={1}
        value={value}
        disabled={disabled}
        data-testid={testId}
        aria-valuetext={`${value}%`}
        onChange={(event) => onChange(Number(event.target.value))}
      />
      <output htmlFor={id} className="weight-value">
        {value}%{hint && <small> {hint}</small>}
      </output>
    </div>
  );
}
