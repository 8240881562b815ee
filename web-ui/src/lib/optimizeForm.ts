/**
 * The configuration form's values and their conversion to an optimize request. Numbers stay
 * text while edited; range checks are the server's, so its 422 messages reach the user.
 */
import type { OptimizeRequest } from "@/lib/api/types";
import { type Built, built, defaultDataset, wholeNumber } from "@/lib/formValues";
import { type ScoringMode, type SliderWeights, toRequestWeights } from "@/lib/weights";

export interface RunSettings {
  datasetName: string;
  trials: string;
  epochs: string;
  mode: ScoringMode;
  plotGeneration: OptimizeRequest["plot_generation"];
  sampler: NonNullable<OptimizeRequest["sampler"]>;
  pruner: NonNullable<OptimizeRequest["pruner"]>;
  healthPruning: boolean;
  concurrent: boolean;
  workers: string;
  useRunpod: boolean;
  gpusPerWorker: string;
  seed: string;
}

export function defaultRunSettings(datasets: string[]): RunSettings {
  return {
    datasetName: defaultDataset(datasets),
    trials: "10",
    epochs: "10",
    mode: "health-aware",
    plotGeneration: "best",
    sampler: "tpe",
    pruner: "auto",
    healthPruning: true,
    concurrent: false,
    workers: "2",
    useRunpod: false,
    gpusPerWorker: "1",
    seed: "0",
  };
}

export type BuiltRequest = Built<OptimizeRequest>;

/** The server's default accuracy margin (1 point); the form has no field for it yet, and the
 * generated client requires every field that has a default. */
export const ACCURACY_MARGIN = 0.01;

/** The request for these settings, or which value is not a whole number. */
export function buildOptimizeRequest(settings: RunSettings, weights: SliderWeights): BuiltRequest {
  return built(() => ({
    dataset_name: settings.datasetName,
    trials: wholeNumber("Trials", settings.trials),
    max_epochs_per_trial: wholeNumber("Max epochs per trial", settings.epochs),
    mode: settings.mode,
    accuracy_margin: ACCURACY_MARGIN,
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
    ...toRequestWeights(weights, settings.mode),
  }));
}
