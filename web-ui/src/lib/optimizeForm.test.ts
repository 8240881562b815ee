import { describe, expect, it } from "vitest";

import { buildOptimizeRequest, defaultRunSettings } from "./optimizeForm";
import type { SliderWeights } from "./weights";

const WEIGHTS: SliderWeights = { accuracy: 60, components: { a: 50, b: 50 } };

describe("defaultRunSettings", () => {
  it("prefers the small digits dataset, else the first one", () => {
    expect(defaultRunSettings(["mnist", "digits"]).datasetName).toBe("digits");
    expect(defaultRunSettings(["mnist", "cifar10"]).datasetName).toBe("mnist");
  });
});

describe("buildOptimizeRequest", () => {
  const settings = defaultRunSettings(["digits"]);

  it("sends numbers, the mode and the weights as fractions", () => {
    const built = buildOptimizeRequest({ ...settings, trials: " 12 ", seed: "7" }, WEIGHTS);
    expect(built.request).toEqual({
      dataset_name: "digits",
      trials: 12,
      max_epochs_per_trial: 10,
      mode: "health-aware",
      accuracy_margin: 0.01,
      plot_generation: "best",
      sampler: "tpe",
      pruner: "auto",
      health_pruning: true,
      concurrent: false,
      concurrent_workers: 1,
      use_runpod_service: false,
      target_gpus_per_worker: 1,
      seed: 7,
      accuracy_weight: 0.6,
      health_weight: 0.4,
      health_component_weights: { a: 0.5, b: 0.5 },
    });
  });

  it("sends the chosen sampler, pruner and health pruning", () => {
    const built = buildOptimizeRequest(
      { ...settings, sampler: "random", pruner: "median", healthPruning: false },
      WEIGHTS,
    );
    expect(built.request).toMatchObject({
      sampler: "random",
      pruner: "median",
      health_pruning: false,
    });
  });

  it("sends no weights in simple mode", () => {
    const built = buildOptimizeRequest({ ...settings, mode: "simple" }, WEIGHTS);
    expect(built.request).not.toHaveProperty("accuracy_weight");
    expect(built.request).not.toHaveProperty("health_component_weights");
  });

  it("sends workers only when concurrent, GPUs per worker only on RunPod", () => {
    const off = buildOptimizeRequest(
      { ...settings, workers: "4", gpusPerWorker: "2" },
      WEIGHTS,
    ).request!;
    expect([off.concurrent_workers, off.target_gpus_per_worker]).toEqual([1, 1]);
    const on = buildOptimizeRequest(
      { ...settings, concurrent: true, workers: "4", useRunpod: true, gpusPerWorker: "2" },
      WEIGHTS,
    ).request!;
    expect([on.concurrent_workers, on.target_gpus_per_worker]).toEqual([4, 2]);
  });

  it("names the field that is not a whole number and leaves ranges to the server", () => {
    expect(buildOptimizeRequest({ ...settings, epochs: "2.5" }, WEIGHTS).error).toBe(
      "Max epochs per trial must be a whole number",
    );
    expect(buildOptimizeRequest({ ...settings, trials: "" }, WEIGHTS).error).toBe(
      "Trials must be a whole number",
    );
    expect(buildOptimizeRequest({ ...settings, trials: "0" }, WEIGHTS).request?.trials).toBe(0);
  });
});
