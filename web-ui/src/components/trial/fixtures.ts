/** Trials as the runs API serves them, for the trial page's and trial list's tests. */
import type { TrialSummary } from "@/lib/api/types";
import type { TrialDetail } from "@/lib/runs";

/** A complete trial with every field the server sends; `overrides` make it pruned or failed. */
export function trialSummary(number: number, overrides: Partial<TrialSummary> = {}): TrialSummary {
  return {
    number,
    state: "COMPLETE",
    params: { optimizer: "adam", adam_learning_rate: 0.001, num_layers: 2 },
    metrics: { val_accuracy: 0.9, train_accuracy: 0.95, val_loss: 0.31 },
    health: {
      neuron_utilization: 0.9,
      parameter_efficiency: 0.7,
      training_stability: 0.8,
      gradient_health: 0.85,
      convergence_quality: 0.6,
      accuracy_consistency: 0.75,
    },
    health_reasons: {},
    health_score: 0.8,
    total_score: 0.85,
    num_parameters: 45200,
    epochs_run: 2,
    timings: { fit_seconds: 12.4, total_seconds: 65 },
    started: "2025-01-02T03:04:05Z",
    finished: "2025-01-02T03:05:10Z",
    diagnostics: { issue_count: 0, severity_counts: {}, checks_skipped: [] },
    analysis: {
      under_trained_layers: [],
      over_trained_layers: [],
      recommendations: [],
      skipped: {},
      errors: {},
    },
    interrupted: false,
    error: null,
    ...overrides,
  };
}

/** The detail of trial `number` of `run`, with a learning curve and two plots. */
export function trialDetail(
  run: string,
  number: number,
  overrides: Partial<TrialDetail> = {},
): TrialDetail {
  const base = `/runs/${encodeURIComponent(run)}/trials/${number}`;
  return {
    run,
    job_id: null,
    trial: trialSummary(number),
    is_best: false,
    rank: 2,
    learning_curves: { accuracy: [0.5, 0.95], val_accuracy: [0.45, 0.9], loss: [1.1, 0.2] },
    plots: [
      plot(number, "confusion_matrix.png", base),
      plot(number, "training_history.png", base),
    ],
    model_url: `${base}/model`,
    plots_zip_url: `${base}/plots.zip`,
    diagnostics: { issues: [], issue_count: 0, severity_counts: {}, checks_skipped: [] },
    layer_health: {},
    architecture: null,
    architecture_svg_url: null,
    architecture_pdf_url: null,
    monitoring_url: null,
    notes: [],
    ...overrides,
  };
}

function plot(trial: number, name: string, base: string) {
  return { trial, name, url: `${base}/plots/${name}`, size_bytes: 10 };
}
