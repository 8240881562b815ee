/** Reading trial summaries: which one is best, in what order to show them, their key numbers. */
import type { PruneInfo, TrialMetrics, TrialSummary } from "@/lib/api/types";

export type TrialOrder = "number" | "score";

/** The server's best trial when it names one, else the highest-scoring completed trial. */
export function bestTrialNumber(trials: TrialSummary[], reported: number | null): number | null {
  if (reported !== null) return reported;
  let best: TrialSummary | null = null;
  for (const trial of trials) {
    if (typeof trial.total_score !== "number") continue;
    if (!best || trial.total_score > (best.total_score as number)) best = trial;
  }
  return best ? best.number : null;
}

/** Trials by number, or by total score, highest first, with unscored (failed) trials last. */
export function sortTrials(trials: TrialSummary[], order: TrialOrder): TrialSummary[] {
  const byNumber = [...trials].sort((a, b) => a.number - b.number);
  if (order === "number") return byNumber;
  const score = (t: TrialSummary) =>
    typeof t.total_score === "number" ? t.total_score : -Infinity;
  return byNumber.sort((a, b) => score(b) - score(a)); // stable: equal scores keep number order
}

/** A metric of the trial, or null when the trial did not get that far. */
export function metric(trial: TrialSummary, name: keyof TrialMetrics & string): number | null {
  const value = trial.metrics[name];
  return typeof value === "number" ? value : null;
}

export function isFailed(trial: TrialSummary): boolean {
  return trial.state === "FAIL";
}

export function isPruned(trial: TrialSummary): boolean {
  return trial.state === "PRUNED";
}

/** Who stopped a pruned trial and when, as the CLI's table says it: "pruned at epoch 3:
 * hyperband", "pruned at epoch 1 by health: nan_in_loss". The full reason is `prune.reason`. */
export function pruneLabel(prune: PruneInfo): string {
  if (prune.pruned_by === "health")
    return `pruned at epoch ${prune.epoch} by health: ${prune.check ?? prune.reason}`;
  return `pruned at epoch ${prune.epoch}: ${prune.pruner ?? "pruner"}`;
}
