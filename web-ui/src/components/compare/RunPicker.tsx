"use client";

import { useState } from "react";

import { formatFraction } from "@/lib/format";
import type { RunSummary } from "@/lib/runs";

import styles from "./compare.module.css";

/** Every run of the results folder as a checkbox; "Compare" once two or more are ticked. A
 * run whose results cannot be read is listed with its error, and cannot be ticked. */
export function RunPicker({
  runs,
  chosen,
  onCompare,
}: {
  runs: readonly RunSummary[];
  chosen: readonly string[];
  onCompare: (runs: string[]) => void;
}) {
  const [picked, setPicked] = useState<string[]>(() =>
    chosen.filter((name) => runs.some((run) => run.name === name)),
  );
  if (runs.length === 0) {
    return <p className="hint">No runs in the server&apos;s results folder yet.</p>;
  }
  const toggle = (name: string, on: boolean) =>
    // Kept in the runs' own order, so the comparison's columns follow the list.
    setPicked((current) =>
      runs.map((run) => run.name).filter((n) => (n === name ? on : current.includes(n))),
    );
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onCompare(picked);
      }}
    >
      <fieldset className={styles.picker}>
        <legend className={styles.muted}>Tick two or more runs.</legend>
        {runs.map((run) => (
          <label key={run.name} className={styles.pickerRow}>
            <input
              type="checkbox"
              name="run"
              value={run.name}
              checked={picked.includes(run.name)}
              disabled={Boolean(run.error)}
              onChange={(event) => toggle(run.name, event.target.checked)}
            />
            <span className={styles.runName}>{run.name}</span>
            <span className={styles.muted}>
              {run.error
                ? run.error
                : [
                    run.dataset ?? "unknown dataset",
                    run.mode,
                    `${run.trials_complete} complete`,
                    `best ${formatFraction(run.best_val_accuracy, 2)}`,
                  ]
                    .filter(Boolean)
                    .join(" · ")}
            </span>
          </label>
        ))}
      </fieldset>
      <button type="submit" className="button button-primary" disabled={picked.length < 2}>
        Compare {picked.length} run{picked.length === 1 ? "" : "s"}
      </button>
    </form>
  );
}
