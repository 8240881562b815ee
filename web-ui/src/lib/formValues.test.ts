import { describe, expect, it } from "vitest";

import { built, decimalNumber, defaultDataset, InvalidSetting, wholeNumber } from "./formValues";

describe("wholeNumber", () => {
  it("reads a whole number, spaces around it allowed", () => {
    expect(wholeNumber("Trials", " 12 ")).toBe(12);
    expect(wholeNumber("Seed", "-3")).toBe(-3);
  });

  it.each(["", "2.5", "1e3", "ten"])("refuses %j, naming the field", (text) => {
    expect(() => wholeNumber("Trials per run", text)).toThrow(
      new InvalidSetting("Trials per run must be a whole number"),
    );
  });
});

describe("decimalNumber", () => {
  it.each([
    ["1", 1],
    [" 0.5 ", 0.5],
    [".25", 0.25],
    ["2.", 2],
    ["-1.5", -1.5],
  ])("reads %j as %d", (text, value) => {
    expect(decimalNumber("Accuracy margin", text)).toBe(value);
  });

  it.each(["", ".", "1e3", "1,5", "one"])("refuses %j, naming the field", (text) => {
    expect(() => decimalNumber("Accuracy margin", text)).toThrow(
      new InvalidSetting("Accuracy margin must be a number"),
    );
  });
});

describe("built", () => {
  it("wraps the request, or the message of a setting the form refuses", () => {
    expect(built(() => ({ seed: 1 }))).toEqual({ request: { seed: 1 } });
    expect(built(() => wholeNumber("Seed", "x"))).toEqual({ error: "Seed must be a whole number" });
  });

  it("lets any other failure through", () => {
    expect(() =>
      built(() => {
        throw new TypeError("a bug");
      }),
    ).toThrow(TypeError);
  });
});

describe("defaultDataset", () => {
  it("prefers the small digits dataset, else the first one, else none", () => {
    expect(defaultDataset(["mnist", "digits"])).toBe("digits");
    expect(defaultDataset(["mnist", "cifar10"])).toBe("mnist");
    expect(defaultDataset([])).toBe("");
  });
});
