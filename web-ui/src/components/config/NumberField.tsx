"use client";

import { useId } from "react";

interface NumberFieldProps {
  label: string;
  testId: string;
  value: string;
  min: number;
  max: number;
  disabled?: boolean;
  onChange: (value: string) => void;
}

/** A labelled whole-number input; the text is kept as typed and checked on submit. */
export function NumberField({
  label,
  testId,
  value,
  min,
  max,
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
        inputMode="numeric"
        step={1}
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
