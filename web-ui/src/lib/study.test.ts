import { describe, expect, it } from "vitest";

import { inModuleOrder, MODULE_NAMES, moduleTitle } from "./study";

describe("the analysis modules", () => {
  it("follow the server's order (healthopt.study.config.MODULES), trial_level last", () => {
    expect(MODULE_NAMES).toEqual([
      "generalization",
      "robustness",
      "distribution_shift",
      "calibration",
      "transfer",
      "ablation",
      "per_class",
      "failure_cases",
      "trial_level",
    ]);
    expect(inModuleOrder(["trial_level", "calibration"])).toEqual(["calibration", "trial_level"]);
  });

  it("take the titles the server's report uses, or the name spelt out", () => {
    expect(moduleTitle("trial_level")).toBe(
      "Trial level: does health predict holdout accuracy beyond validation accuracy?",
    );
    expect(moduleTitle("some_new_module")).toBe("some new module");
  });
});
