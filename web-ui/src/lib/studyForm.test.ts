import { describe, expect, it } from "vitest";

import { MODULE_NAMES } from "./study";
import {
  buildStudyRequest,
  defaultStudySettings,
  type StudySettings,
  withAccuracy,
  withHealth,
} from "./studyForm";

function settings(overrides: Partial<StudySettings> = {}): StudySettings {
  return { ...defaultStudySettings(["mnist", "digits"], { accuracy_weight: 0.7 }), ...overrides };
}

describe("defaultStudySettings", () => {
  it("prefers digits, splits 70/30 from the server's default, and picks every module", () => {
    const start = settings();
    expect(start.datasetName).toBe("digits");
    expect([start.accuracy, start.health]).toEqual([70, 30]);
    expect(start.modules).toEqual([...MODULE_NAMES]);
    expect(start.analyzeAutomatically).toBe(true);
  });

  it("takes the first dataset when digits is not offered", () => {
    expect(defaultStudySettings(["mnist"], { accuracy_weight: 0.7 }).datasetName).toBe("mnist");
  });
});

describe("the weight split", () => {
  it("gives health what accuracy leaves and the other way round", () => {
    expect(withAccuracy(settings(), 85)).toMatchObject({ accuracy: 85, health: 15 });
    expect(withHealth(settings(), 55)).toMatchObject({ accuracy: 45, health: 55 });
  });

  it("clamps to whole percents in [0, 100]", () => {
    expect(withAccuracy(settings(), 140)).toMatchObject({ accuracy: 100, health: 0 });
    expect(withHealth(settings(), 12.6)).toMatchObject({ accuracy: 87, health: 13 });
  });
});

describe("buildStudyRequest", () => {
  it("sends numbers, fractions that sum to 1 and the modules in the server's order", () => {
    const built = buildStudyRequest(
      settings({
        runsPerMode: "2",
        trialsPerRun: " 5 ",
        epochs: "1",
        workers: "2",
        seed: "42",
        accuracy: 60,
        health: 40,
        modules: ["calibration", "generalization"],
      }),
    );
    expect(built.error).toBeUndefined();
    expect(built.request).toEqual({
      dataset_name: "digits",
      runs_per_mode: 2,
      trials_per_mode: 5,
      max_epochs_per_trial: 1,
      concurrent_workers: 2,
      use_runpod_service: false,
      accuracy_weight: 0.6,
      health_overall_weight: 0.4,
      seed: 42,
      modules_to_run: ["generalization", "calibration"],
    });
  });

  it("sends no modules when the analysis waits for the user", () => {
    const built = buildStudyRequest(settings({ analyzeAutomatically: false, modules: [] }));
    expect(built.request?.modules_to_run).toBeNull();
  });

  it("names the field that is not a whole number", () => {
    expect(buildStudyRequest(settings({ trialsPerRun: "2.5" })).error).toBe(
      "Trials per run must be a whole number",
    );
    expect(buildStudyRequest(settings({ runsPerMode: "" })).error).toBe(
      "Runs per mode must be a whole number",
    );
  });

  it("refuses a split that is not 100% and a health weight of 0", () => {
    expect(buildStudyRequest(settings({ accuracy: 70, health: 20 })).error).toMatch(
      /add up to 100% \(they add up to 90%\)/,
    );
    expect(buildStudyRequest(withAccuracy(settings(), 100)).error).toMatch(
      /health weight must be above 0%/,
    );
  });

  it("refuses an automatic analysis with no module", () => {
    expect(buildStudyRequest(settings({ modules: [] })).error).toMatch(
      /at least one analysis module/,
    );
  });

  it("leaves ranges to the server, whose messages name each field", () => {
    expect(buildStudyRequest(settings({ runsPerMode: "500" })).request?.runs_per_mode).toBe(500);
  });
});
