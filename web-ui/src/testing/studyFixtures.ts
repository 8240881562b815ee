/** A study's status and results as the API sends them, for component tests. */
import type { StudyModeProgress, StudyResults, StudyStatus } from "@/lib/api/types";

export function modeProgress(overrides: Partial<StudyModeProgress> = {}): StudyModeProgress {
  return {
    runs_total: 3,
    runs_completed: 0,
    runs_failed: 0,
    current_run: null,
    current_trials_done: 0,
    trials_per_run: 4,
    best_val_accuracy: null,
    best_holdout_accuracy: null,
    ...overrides,
  };
}

export function studyStatus(overrides: Partial<StudyStatus> = {}): StudyStatus {
  return {
    study_id: "study_digits_1",
    dataset_name: "digits",
    phase: "building",
    state: "running",
    error: null,
    accuracy_only_progress: modeProgress(),
    health_aware_progress: modeProgress(),
    ablation_progress: null,
    analysis: { modules_requested: [], modules_completed: [], current_module: null },
    best_models_selected: false,
    results_available: false,
    report_available: false,
    config: {
      dataset_name: "digits",
      runs_per_mode: 3,
      trials_per_run: 4,
      max_epochs_per_trial: 3,
      health_weights: {
        accuracy_weight: 0.7,
        health_weight: 0.3,
        health_components: { neuron_utilization: 1 },
      },
      concurrent_workers: 1,
      use_runpod_service: false,
      seed: 0,
      split_seed: 0,
      ablation_trials: null,
      transfer_dataset: null,
    },
    created_at: "2026-11-22T20:00:00+00:00",
    updated_at: "2026-11-22T20:05:00+00:00",
    ...overrides,
  };
}

export function studyResults(overrides: Partial<StudyResults> = {}): StudyResults {
  return {
    study_id: "study_digits_1",
    dataset: "digits",
    schema_version: 1,
    generated_at: "2026-11-22T20:10:00+00:00",
    config: {
      dataset_name: "digits",
      runs_per_mode: 3,
      trials_per_run: 4,
      max_epochs_per_trial: 3,
      health_weights: {
        accuracy_weight: 0.7,
        health_weight: 0.3,
        health_components: { neuron_utilization: 1 },
      },
      concurrent_workers: 1,
      use_runpod_service: false,
      seed: 0,
      split_seed: 0,
      ablation_trials: null,
      transfer_dataset: null,
      output_dir: "comparison_studies",
      study_id: "study_digits_1",
    },
    hypothesis: "Health-aware selection generalizes better.",
    design: {
      paired: true,
      search: "Beyond TPE's start-up trials each mode's search follows its own objective.",
      runs_per_mode: 3,
      completed_runs: { accuracy_only: 3, health_aware: 3 },
      split_sizes: { train: 1078, val: 359, test: 180, holdout: 180 },
      selection: "Each mode's model with the best score is selected.",
      tests: "Paired t-test, Wilcoxon signed-rank.",
    },
    best_models: {
      accuracy_only: {
        label: "accuracy_only run 1",
        val_accuracy: 0.9,
        test_accuracy: 0.88,
        holdout_accuracy: 0.87,
        health_score: 0.61,
        total_score: 0.81,
        num_parameters: 7002,
        params: { learning_rate: 0.0012345678, activation: "relu" },
      },
      health_aware: {
        label: "health_aware run 0",
        val_accuracy: 0.89,
        test_accuracy: 0.9,
        holdout_accuracy: 0.91,
        health_score: 0.7,
        total_score: 0.83,
        num_parameters: 45200,
        params: { learning_rate: 0.001 },
      },
    },
    executive_summary: {
      rows: [
        {
          metric: "Validation accuracy",
          accuracy_only: 0.9123,
          health_aware: 0.9,
          difference: -0.0123,
          p_value: 0.41,
          significant: false,
        },
        {
          metric: "Holdout accuracy",
          accuracy_only: 0.87,
          health_aware: 0.91,
          difference: 0.04,
          p_value: 0.0004,
          significant: true,
        },
        {
          metric: "Generalization gap (val - holdout)",
          accuracy_only: 0.03,
          health_aware: null,
          difference: null,
          p_value: null,
          significant: false,
        },
      ],
      winner: "health_aware",
      verdict: "Health-aware models are more accurate on the holdout (p < 0.001, n = 3 pairs).",
    },
    modules_requested: ["generalization", "transfer"],
    modules: {
      transfer: {
        name: "transfer",
        title: "Cross-dataset transfer",
        available: false,
        reason: "no related dataset is known for digits",
        summary: ["no related dataset is known for digits"],
        tables: [],
        figures: [],
        tests: [],
        data: {},
      },
      generalization: {
        name: "generalization",
        title: "Generalization on the holdout",
        available: true,
        reason: null,
        summary: ["Mean holdout accuracy: accuracy-only 87.0%, health-aware 91.0%."],
        tables: [
          {
            title: "Every run's selected model",
            columns: ["Run", "Holdout", "Parameters"],
            rows: [
              ["accuracy_only run 0", 0.8712, 7002],
              ["health_aware run 0", null, 45200],
            ],
            note: "Holdout: 180 samples.",
          },
        ],
        figures: [
          {
            path: "figures/generalization_holdout.png",
            caption: "Holdout accuracy per run",
            url: "/comparison-study/study_digits_1/figures/generalization_holdout.png",
          },
        ],
        tests: [],
        data: {},
      },
    },
    conclusions: ["Health-aware selection generalized better at this budget."],
    runs: [],
    timings: { analysis_seconds: 12.3 },
    ...overrides,
  };
}
