"use client";

import { useId } from "react";

interface NumberFieldProps {
  label: string;
  testId: string;
  value: string;
  min: number;
  max: number;
  /** The arrow keys' step; 1 (the default) keeps to whole numbers, a fraction allows decimals. */
  step?: number;
  disabled?: boolean;
  onChange: (value: string) => void;
}

/** A labelled number input, whole numbers unless a fractional step is given; the text is kept
 * as typed and checked on submit. */
export function NumberField({
  label,
  testId,
  value,
  min,
  max,
  step = 1,
  disabled,
  onChange,
}: NumberFieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        // Phone keyboards: digits only, or digits and a decimal point.
        inputMode={Number.isInteger(step) ? "numeric" : "decimal"}
        step={step}
        min={min}
        max={max}
        value={value}
        disabled={disabled}
        data-testid={testId}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}
