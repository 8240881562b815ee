/**
 * The configuration form's values and their conversion to an optimize request. Numbers stay
 * text while edited; range checks are the server's, so its 422 messages reach the user.
 */
import type { OptimizeRequest } from "@/lib/api/types";
import {
  type Built,
  built,
  decimalNumber,
  defaultDataset,
  InvalidSetting,
  wholeNumber,
} from "@/lib/formValues";
import {
  type ParetoChoice,
  type ScoringMode,
  type SliderWeights,
  toRequestWeights,
} from "@/lib/weights";

export type Sampler = NonNullable<OptimizeRequest["sampler"]>;
export type Pruner = NonNullable<OptimizeRequest["pruner"]>;

export interface RunSettings {
  datasetName: string;
  /** A user's own model registered on the server (GET /health `models`); "" is the built-in
   * search space for the dataset. */
  model: string;
  trials: string;
  epochs: string;
  mode: ScoringMode;
  /** Health-aware mode: how far below the best val accuracy still counts as equally
   * accurate, in percentage points as typed. */
  accuracyMargin: string;
  /** Pareto mode: which front member is assembled. */
  paretoChoice: ParetoChoice;
  plotGeneration: OptimizeRequest["plot_generation"];
  sampler: Sampler;
  pruner: Pruner;
  healthPruning: boolean;
  concurrent: boolean;
  workers: string;
  useRunpod: boolean;
  gpusPerWorker: string;
  seed: string;
}

const DEFAULT_SAMPLER: Sampler = "tpe";
const DEFAULT_PRUNER: Pruner = "auto";

export function defaultRunSettings(datasets: string[]): RunSettings {
  return {
    datasetName: defaultDataset(datasets),
    model: "",
    trials: "10",
    epochs: "10",
    mode: "health-aware",
    accuracyMargin: "1",
    paretoChoice: "knee",
    plotGeneration: "best",
    sampler: DEFAULT_SAMPLER,
    pruner: DEFAULT_PRUNER,
    healthPruning: true,
    concurrent: false,
    workers: "2",
    useRunpod: false,
    gpusPerWorker: "1",
    seed: "0",
  };
}

/** Whether `mode` can run `sampler`: Optuna's NSGA-II needs several objectives (pareto mode
 * only), its CMA-ES takes one (every mode but pareto). */
export function samplerFits(sampler: Sampler, mode: ScoringMode): boolean {
  return mode === "pareto" ? sampler !== "cmaes" : sampler !== "nsga2";
}

/** Whether `mode` can run `pruner`: Optuna's pruners compare one objective, so pareto mode
 * takes only auto (which there means none) or none. */
export function prunerFits(pruner: Pruner, mode: ScoringMode): boolean {
  return mode !== "pareto" || pruner === "auto" || pruner === "none";
}

/** `settings` with `patch` applied; a sampler or pruner the (new) mode cannot run goes back
 * to its default, so the form never holds a choice the server would refuse. */
export function updateSettings(settings: RunSettings, patch: Partial<RunSettings>): RunSettings {
  const next = { ...settings, ...patch };
  return {
    ...next,
    sampler: samplerFits(next.sampler, next.mode) ? next.sampler : DEFAULT_SAMPLER,
    pruner: prunerFits(next.pruner, next.mode) ? next.pruner : DEFAULT_PRUNER,
  };
}

export type BuiltRequest = Built<OptimizeRequest>;

/** The server's default accuracy margin (1 point), sent outside health-aware mode, which alone
 * reads it: the generated client requires every field that has a default. */
export const ACCURACY_MARGIN = 0.01;

/** The margin typed in points as the fraction the request carries. Its range is checked here,
 * unlike the others: the server's message would speak of fractions the user never typed. */
export function accuracyMargin(points: string): number {
  const value = decimalNumber("Accuracy margin", points);
  if (value < 0 || value > 100) {
    throw new InvalidSetting("Accuracy margin must be between 0 and 100 points");
  }
  // toPrecision drops the float noise of the division (0.7 / 100 = 0.006999999999999999).
  return Number((value / 100).toPrecision(12));
}

/** The request for these settings, or which value is not a number it can send. */
export function buildOptimizeRequest(settings: RunSettings, weights: SliderWeights): BuiltRequest {
  return built(() => ({
    dataset_name: settings.datasetName,
    model: settings.model === "" ? null : settings.model,
    trials: wholeNumber("Trials", settings.trials),
    max_epochs_per_trial: wholeNumber("Max epochs per trial", settings.epochs),
    mode: settings.mode,
    accuracy_margin:
      settings.mode === "health-aware" ? accuracyMargin(settings.accuracyMargin) : ACCURACY_MARGIN,
    plot_generation: settings.plotGeneration,
    sampler: settings.sampler,
    pruner: settings.pruner,
    health_pruning: settings.healthPruning,
    concurrent: settings.concurrent,
    concurrent_workers: settings.concurrent
      ? wholeNumber("Concurrent workers", settings.workers)
      : 1,
    use_runpod_service: settings.useRunpod,
    // More than one GPU per worker only applies on RunPod; the server rejects it otherwise.
    target_gpus_per_worker: settings.useRunpod
      ? wholeNumber("GPUs per worker", settings.gpusPerWorker)
      : 1,
    seed: wholeNumber("Seed", settings.seed),
    // Pareto mode: weights in the request mean "assemble the best under them", none the knee.
    ...toRequestWeights(weights, settings.mode, settings.paretoChoice),
  }));
}
