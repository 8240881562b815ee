import type { ComputeSummary } from "@/lib/api/types";
import { formatEnergy } from "@/lib/format";

/** "hyperband 110 · health 16": epochs saved by each pruner, the largest first. */
export function savedByText(savedBy: ComputeSummary["epochs_saved_by"]): string {
  return Object.entries(savedBy ?? {})
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([name, epochs]) => `${name} ${epochs}`)
    .join(" · ");
}

/** The run's compute: epochs run against those budgeted, what each pruner saved, and the
 * energy that saved (an estimate, and the panel says how it was made). */
export function ComputePanel({ compute }: { compute: ComputeSummary }) {
  const energyMeasured = typeof compute.energy_saved_kwh === "number";
  const savedBy = savedByText(compute.epochs_saved_by);
  return (
    <div className="compute-panel">
      <dl className="stats">
        <div>
          <dt>Epochs run</dt>
          <dd data-testid="compute-epochs">
            {compute.epochs_run} / {compute.epochs_budgeted}
          </dd>
        </div>
        <div>
          <dt>Epochs saved</dt>
          <dd data-testid="compute-saved">{compute.epochs_saved}</dd>
        </div>
        <div>
          <dt>Trials pruned</dt>
          <dd>{compute.trials_pruned}</dd>
        </div>
        <div>
          <dt>Energy saved (estimated)</dt>
          <dd data-testid="compute-energy">
            {energyMeasured ? `≈ ${formatEnergy(compute.energy_saved_kwh)}` : "not measured"}
          </dd>
        </div>
      </dl>
      <p className="hint" data-testid="compute-note">
        {savedBy ? `Saved by: ${savedBy}.` : "No trial was pruned."}
        {energyMeasured && ` Energy saved is ${compute.energy_note}.`}
      </p>
    </div>
  );
}
