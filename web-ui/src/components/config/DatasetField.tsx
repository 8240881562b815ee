"use client";

import { useId } from "react";

interface DatasetFieldProps {
  datasets: string[];
  value: string;
  testId: string;
  onChange: (datasetName: string) => void;
}

/** The labelled select of the server's datasets. */
export function DatasetField({ datasets, value, testId, onChange }: DatasetFieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Dataset</label>
      <select
        id={id}
        data-testid={testId}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      >
        {datasets.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </div>
  );
}
