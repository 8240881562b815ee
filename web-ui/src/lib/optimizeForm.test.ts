import { describe, expect, it } from "vitest";

import {
  accuracyMargin,
  buildOptimizeRequest,
  defaultRunSettings,
  prunerFits,
  samplerFits,
  updateSettings,
} from "./optimizeForm";
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
      model: null,
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

  it("sends the health-aware margin typed in points as a fraction", () => {
    expect(buildOptimizeRequest(settings, WEIGHTS).request?.accuracy_margin).toBe(0.01);
    const built = buildOptimizeRequest({ ...settings, accuracyMargin: " 2.5 " }, WEIGHTS);
    expect(built.request?.accuracy_margin).toBe(0.025);
    // 0.7 / 100 is 0.006999999999999999 in floating point; the request carries 0.007.
    const noisy = buildOptimizeRequest({ ...settings, accuracyMargin: "0.7" }, WEIGHTS);
    expect(noisy.request?.accuracy_margin).toBe(0.007);
  });

  it("refuses a margin outside 0 to 100 points, in health-aware mode only", () => {
    expect(buildOptimizeRequest({ ...settings, accuracyMargin: "" }, WEIGHTS).error).toBe(
      "Accuracy margin must be a number",
    );
    expect(buildOptimizeRequest({ ...settings, accuracyMargin: "101" }, WEIGHTS).error).toBe(
      "Accuracy margin must be between 0 and 100 points",
    );
    // The field is hidden in the other modes, so what it holds must not stop them.
    for (const mode of ["simple", "pareto"] as const) {
      const built = buildOptimizeRequest({ ...settings, mode, accuracyMargin: "x" }, WEIGHTS);
      expect(built.request?.accuracy_margin).toBe(0.01);
    }
  });

  it("sends no weights in pareto mode when the knee of the front is assembled", () => {
    const built = buildOptimizeRequest(
      { ...settings, mode: "pareto", paretoChoice: "knee", sampler: "nsga2", pruner: "none" },
      WEIGHTS,
    );
    expect(built.request).toMatchObject({ mode: "pareto", sampler: "nsga2", pruner: "none" });
    expect(built.request).not.toHaveProperty("accuracy_weight");
    expect(built.request).not.toHaveProperty("health_weight");
    expect(built.request).not.toHaveProperty("health_component_weights");
  });

  it("sends the weights in pareto mode when the best under them is assembled", () => {
    const built = buildOptimizeRequest(
      { ...settings, mode: "pareto", paretoChoice: "weights" },
      WEIGHTS,
    );
    expect(built.request).toMatchObject({
      mode: "pareto",
      accuracy_weight: 0.6,
      health_weight: 0.4,
      health_component_weights: { a: 0.5, b: 0.5 },
    });
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

describe("accuracyMargin", () => {
  it("reads points as a fraction, 0 and 100 included", () => {
    expect([accuracyMargin("0"), accuracyMargin("1"), accuracyMargin("100")]).toEqual([0, 0.01, 1]);
    expect(accuracyMargin(".5")).toBe(0.005);
  });

  it("refuses negative margins", () => {
    expect(() => accuracyMargin("-1")).toThrow("Accuracy margin must be between 0 and 100 points");
  });
});

describe("samplerFits and prunerFits", () => {
  it("keep NSGA-II to pareto mode and CMA-ES out of it", () => {
    expect(samplerFits("nsga2", "pareto")).toBe(true);
    expect(samplerFits("cmaes", "pareto")).toBe(false);
    expect(samplerFits("nsga2", "simple")).toBe(false);
    expect(samplerFits("nsga2", "health-aware")).toBe(false);
    expect(samplerFits("cmaes", "health-aware")).toBe(true);
    expect(samplerFits("tpe", "pareto")).toBe(true);
  });

  it("allow only auto or none pruning in pareto mode", () => {
    expect(prunerFits("auto", "pareto")).toBe(true);
    expect(prunerFits("none", "pareto")).toBe(true);
    expect(prunerFits("hyperband", "pareto")).toBe(false);
    expect(prunerFits("median", "health-aware")).toBe(true);
  });
});

describe("updateSettings", () => {
  const settings = defaultRunSettings(["digits"]);

  it("applies the patch", () => {
    expect(updateSettings(settings, { trials: "5", seed: "3" })).toEqual({
      ...settings,
      trials: "5",
      seed: "3",
    });
  });

  it("keeps a sampler and pruner the new mode can run", () => {
    const chosen = { ...settings, sampler: "random" as const, pruner: "none" as const };
    expect(updateSettings(chosen, { mode: "pareto" })).toMatchObject({
      mode: "pareto",
      sampler: "random",
      pruner: "none",
    });
  });

  it("resets to the defaults what the new mode cannot run", () => {
    const single = { ...settings, sampler: "cmaes" as const, pruner: "hyperband" as const };
    expect(updateSettings(single, { mode: "pareto" })).toMatchObject({
      mode: "pareto",
      sampler: "tpe",
      pruner: "auto",
    });
    const multi = { ...settings, mode: "pareto" as const, sampler: "nsga2" as const };
    expect(updateSettings(multi, { mode: "simple" })).toMatchObject({
      mode: "simple",
      sampler: "tpe",
    });
  });
});
