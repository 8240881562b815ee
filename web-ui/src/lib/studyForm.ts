/**
 * The study configuration form's values and their conversion to a start request. Numbers stay
 * text while edited and ranges are the server's to check (its 422 messages reach the user);
 * the form itself only refuses what it can tell is wrong without asking: text that is not a
 * whole number, a weight split that is not 100%, no health weight, no module to run.
 */
import type { DefaultScoringWeights, StudyStartRequest } from "@/lib/api/types";
import { type Built, built, defaultDataset, InvalidSetting, wholeNumber } from "@/lib/formValues";
import { MODULE_NAMES } from "@/lib/study";
import { toPercent } from "@/lib/weights";

export interface StudySettings {
  datasetName: string;
  runsPerMode: string;
  trialsPerRun: string;
  epochs: string;
  workers: string;
  useRunpod: boolean;
  /** Accuracy's whole percent of the health-aware score. */
  accuracy: number;
  /** Health's whole percent of the health-aware score; accuracy + health = 100. */
  health: number;
  seed: string;
  modules: string[];
  /** Start phase 1b (the analysis) by itself once phase 1a has built the models. */
  analyzeAutomatically: boolean;
}

export function defaultStudySettings(
  datasets: string[],
  defaults: Pick<DefaultScoringWeights, "accuracy_weight">,
): StudySettings {
  const accuracy = toPercent(defaults.accuracy_weight * 100);
  return {
    datasetName: defaultDataset(datasets),
    runsPerMode: "3",
    trialsPerRun: "4",
    epochs: "3",
    workers: "1",
    useRunpod: false,
    accuracy,
    health: 100 - accuracy,
    seed: "0",
    modules: [...MODULE_NAMES],
    analyzeAutomatically: true,
  };
}

/** Moves accuracy and gives health the rest, so the split always totals 100%. */
export function withAccuracy(settings: StudySettings, accuracy: number): StudySettings {
  const value = toPercent(accuracy);
  return { ...settings, accuracy: value, health: 100 - value };
}

/** Moves health and gives accuracy the rest. */
export function withHealth(settings: StudySettings, health: number): StudySettings {
  const value = toPercent(health);
  return { ...settings, accuracy: 100 - value, health: value };
}

export type BuiltStudyRequest = Built<StudyStartRequest>;

/** The request for these settings, or the first thing the form can tell is wrong. */
export function buildStudyRequest(settings: StudySettings): BuiltStudyRequest {
  return built(() => {
    const total = settings.accuracy + settings.health;
    if (total !== 100) {
      throw new InvalidSetting(
        `Accuracy and health must add up to 100% (they add up to ${total}%)`,
      );
    }
    if (settings.health <= 0) {
      throw new InvalidSetting(
        "The health weight must be above 0%: with accuracy alone both modes would run " +
          "the same optimization",
      );
    }
    if (settings.analyzeAutomatically && settings.modules.length === 0) {
      throw new InvalidSetting(
        "Choose at least one analysis module, or untick “run analysis automatically”",
      );
    }
    return {
      dataset_name: settings.datasetName,
      runs_per_mode: wholeNumber("Runs per mode", settings.runsPerMode),
      trials_per_mode: wholeNumber("Trials per run", settings.trialsPerRun),
      max_epochs_per_trial: wholeNumber("Max epochs per trial", settings.epochs),
      concurrent_workers: wholeNumber("Concurrent workers", settings.workers),
      use_runpod_service: settings.useRunpod,
      accuracy_weight: settings.accuracy / 100,
      health_overall_weight: settings.health / 100,
      seed: wholeNumber("Seed", settings.seed),
      // null: phase 1b waits for the user to pick modules once the models are built.
      modules_to_run: settings.analyzeAutomatically
        ? MODULE_NAMES.filter((name) => settings.modules.includes(name))
        : null,
    };
  });
}
