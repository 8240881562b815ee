/**
 * The comparison study as the dashboard shows it: the two modes, the nine analysis modules
 * with their titles, and what a status says about what the user can do next.
 */
import type { StudyModeProgress, StudyStatus } from "@/lib/api/types";

export const STUDY_MODES = ["accuracy_only", "health_aware"] as const;
export type StudyMode = (typeof STUDY_MODES)[number];

export const MODE_LABELS: Record<StudyMode, string> = {
  accuracy_only: "Accuracy-only",
  health_aware: "Health-aware",
};

/** The analysis modules in the server's order, with the titles its report uses. */
export const ANALYSIS_MODULES: readonly { name: string; title: string; description: string }[] = [
  {
    name: "generalization",
    title: "Generalization on the holdout",
    description: "accuracy on data no run has seen, and the gap to validation",
  },
  {
    name: "robustness",
    title: "Robustness to corruptions",
    description: "noise, blur, compression: accuracy as severity grows",
  },
  {
    name: "distribution_shift",
    title: "Distribution shift",
    description: "rotation, brightness, contrast (word order, truncation for text)",
  },
  {
    name: "calibration",
    title: "Calibration",
    description: "whether confidence matches accuracy (ECE, Brier)",
  },
  {
    name: "transfer",
    title: "Cross-dataset transfer",
    description: "fine-tuning on a related dataset",
  },
  {
    name: "ablation",
    title: "Ablation: one health component at a time",
    description: "one extra optimization per health component",
  },
  {
    name: "per_class",
    title: "Per-class performance",
    description: "precision, recall and F1 of every class",
  },
  {
    name: "failure_cases",
    title: "Failure cases",
    description: "what each model gets wrong, and what only one of them does",
  },
  {
    name: "trial_level",
    title: "Trial level: does health predict holdout accuracy beyond validation accuracy?",
    // The title already asks the question; the line says how it is answered.
    description: "on every trial, not one model per run: partial Spearman given val accuracy",
  },
];

export const MODULE_NAMES: readonly string[] = ANALYSIS_MODULES.map((m) => m.name);

export function moduleTitle(name: string): string {
  return ANALYSIS_MODULES.find((m) => m.name === name)?.title ?? name.replace(/_/g, " ");
}

/** Module names in the server's order, whatever order they were picked in. */
export function inModuleOrder(names: Iterable<string>): string[] {
  const picked = new Set(names);
  return MODULE_NAMES.filter((name) => picked.has(name));
}

/** The study is doing something right now (so poll it, and offer to cancel). */
export function isActive(status: Pick<StudyStatus, "state">): boolean {
  return status.state === "pending" || status.state === "running";
}

/** Phase 1a is done: both modes' models are selected and phase 1b may start. */
export function modelsBuilt(status: Pick<StudyStatus, "phase" | "best_models_selected">): boolean {
  return status.best_models_selected || status.phase === "built" || status.phase === "analyzed";
}

/** The study's models and analyses can be (re)run: phase 1a done and nothing running. */
export function canAnalyze(status: StudyStatus): boolean {
  return modelsBuilt(status) && !isActive(status);
}

export type ModeState = "waiting" | "running" | "done" | "stopped";

/** What one mode's card says: its runs all ended, one is in progress, or none started yet. */
export function modeState(progress: StudyModeProgress, status: StudyStatus): ModeState {
  const ended = progress.runs_completed + progress.runs_failed;
  if (progress.runs_total > 0 && ended >= progress.runs_total) return "done";
  if (progress.current_run !== null && progress.current_run !== undefined && isActive(status))
    return "running";
  if (!isActive(status) && status.phase === "building") return "stopped";
  return "waiting";
}

/**
 * Phase 1a just finished and phase 1b was requested up front: for a moment the study reads
 * "built, completed" before the analysis starts, so it is still worth asking again.
 */
export function analysisDue(status: StudyStatus): boolean {
  return (
    status.phase === "built" &&
    status.state === "completed" &&
    status.analysis.modules_requested.length > 0 &&
    !status.results_available
  );
}
