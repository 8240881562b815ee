import { describe, expect, it } from "vitest";

import { installFakeApi, pathOf } from "@/testing/fakeApi";

import {
  exportFileName,
  exportPath,
  learningCurveFigure,
  loadNeighbours,
  neighbours,
  pageRange,
  parseTrialNumber,
  trialHref,
  trialsHref,
  viewsHref,
} from "./runs";

const api = installFakeApi();

describe("links between runs and trials", () => {
  it("puts the run's folder name in the query, encoded", () => {
    expect(trialHref("digits_simple_20240101", 7)).toBe("/trial?run=digits_simple_20240101&n=7");
    expect(trialHref("a b&c", 0)).toBe("/trial?run=a+b%26c&n=0");
    expect(trialsHref("a b")).toBe("/trials?run=a+b");
    expect(viewsHref("a/b")).toBe("/views?run=a%2Fb");
  });

  it("names the export's API path and the file it saves", () => {
    expect(exportPath("my run", "csv")).toBe("/runs/my%20run/export?format=csv");
    expect(exportPath("r", "parquet")).toBe("/runs/r/export?format=parquet");
    expect(exportFileName("r", "json")).toBe("r_trials.json");
  });

  it("reads a trial number only when it is a whole number", () => {
    expect(parseTrialNumber("0")).toBe(0);
    expect(parseTrialNumber(" 12 ")).toBe(12);
    expect(parseTrialNumber(null)).toBeNull();
    expect(parseTrialNumber("")).toBeNull();
    expect(parseTrialNumber("-1")).toBeNull();
    expect(parseTrialNumber("1.5")).toBeNull();
    expect(parseTrialNumber("3x")).toBeNull();
  });

  it("says which rows a page shows", () => {
    expect(pageRange(0, 50, 230)).toBe("1–50 of 230");
    expect(pageRange(200, 30, 230)).toBe("201–230 of 230");
    expect(pageRange(0, 0, 0)).toBe("0 of 0");
  });
});

describe("neighbours", () => {
  it("finds the nearest numbers on each side, gaps and order notwithstanding", () => {
    expect(neighbours([4, 0, 9, 2], 4)).toEqual({ previous: 2, next: 9 });
    expect(neighbours([0, 1, 2], 0)).toEqual({ previous: null, next: 1 });
    expect(neighbours([0, 1, 2], 2)).toEqual({ previous: 1, next: null });
    expect(neighbours([5], 5)).toEqual({ previous: null, next: null });
  });
});

function page(numbers: number[], offset: number, total: number) {
  return Response.json({
    run: "r",
    total,
    offset,
    limit: numbers.length,
    trials: numbers.map((number) => ({ number })),
  });
}

describe("loadNeighbours", () => {
  it("reads the three trials around a trial when the numbers have no gaps", async () => {
    api.answer((request) => {
      const url = new URL(request.url);
      expect(pathOf(request)).toBe("/runs/r/trials");
      expect(url.searchParams.get("offset")).toBe("4");
      expect(url.searchParams.get("limit")).toBe("3");
      return page([4, 5, 6], 4, 10);
    });
    expect(await loadNeighbours("r", 5)).toEqual({ previous: 4, next: 6 });
    expect(api.requests).toHaveLength(1);
  });

  it("knows the last trial has no next one", async () => {
    api.answer(() => page([8, 9], 8, 10));
    expect(await loadNeighbours("r", 9)).toEqual({ previous: 8, next: null });
    expect(api.requests).toHaveLength(1);
  });

  it("searches the first 500 when a gap puts the trial elsewhere", async () => {
    // Trials 1 and 2 never finished: trial 5 sits at position 3, not 5.
    api.answer((request) => {
      const offset = new URL(request.url).searchParams.get("offset");
      return offset === "0" ? page([0, 3, 4, 5, 7], 0, 5) : page([7], 4, 5);
    });
    expect(await loadNeighbours("r", 5)).toEqual({ previous: 4, next: 7 });
    expect(api.requests.map((r) => new URL(r.url).searchParams.get("limit"))).toEqual([
      "3",
      "500",
    ]);
  });
});

describe("learningCurveFigure", () => {
  it("draws one line per metric by epoch, losses on a right-hand axis", () => {
    const figure = learningCurveFigure({
      val_loss: [0.9, 0.5],
      loss: [1.2, 0.7],
      accuracy: [0.5, 0.8],
      val_accuracy: [0.45, null],
    })!;
    const traces = figure.data as { name: string; x: number[]; y: unknown[]; yaxis: string }[];
    expect(traces.map((t) => t.name)).toEqual(["accuracy", "val_accuracy", "loss", "val_loss"]);
    expect(traces.map((t) => t.yaxis)).toEqual(["y", "y", "y2", "y2"]);
    expect(traces[0].x).toEqual([1, 2]);
    expect(traces[1].y).toEqual([0.45, null]); // a missing epoch stays a gap
    expect(figure.layout.yaxis2).toMatchObject({ overlaying: "y", side: "right" });
    expect(figure.layout.yaxis).toEqual({ title: { text: "Accuracy" } });
  });

  it("names the left axis for what is on it", () => {
    const mixed = learningCurveFigure({ accuracy: [0.5], learning_rate: [0.001], loss: [1] })!;
    expect(mixed.layout.yaxis).toEqual({ title: { text: "Metric" } });
  });

  it("keeps a single axis when only losses were recorded", () => {
    const figure = learningCurveFigure({ loss: [1, 0.5, 0.25] })!;
    expect((figure.data[0] as { yaxis: string }).yaxis).toBe("y");
    expect(figure.layout.yaxis2).toBeUndefined();
    expect(figure.layout.yaxis).toEqual({ title: { text: "Loss" } });
  });

  it("has no figure for a trial that recorded no epoch", () => {
    expect(learningCurveFigure({})).toBeNull();
    expect(learningCurveFigure({ loss: [] })).toBeNull();
  });
});
