import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { defaultRunSettings, type RunSettings } from "@/lib/optimizeForm";

import { ModeField } from "./ModeField";

function renderField(patch: Partial<RunSettings> = {}) {
  const onChange = vi.fn();
  render(<ModeField settings={{ ...defaultRunSettings([]), ...patch }} onChange={onChange} />);
  return onChange;
}

function radio(testId: string): HTMLInputElement {
  return screen.getByTestId(testId) as HTMLInputElement;
}

describe("ModeField", () => {
  it("offers the three modes, each with a line saying how it chooses", () => {
    const onChange = renderField({ mode: "simple" });
    expect(radio("mode-simple").checked).toBe(true);
    const lines = ["mode-simple", "mode-health-aware", "mode-pareto"].map(
      (testId) => radio(testId).closest("label")!.querySelector("small")!.textContent,
    );
    expect(lines).toEqual([
      "the highest validation accuracy wins",
      "the healthiest trial within the accuracy margin of the best wins",
      "accuracy and health as two objectives; the front is shown on the Pareto page",
    ]);
    fireEvent.click(radio("mode-pareto"));
    expect(onChange).toHaveBeenLastCalledWith({ mode: "pareto" });
  });

  it("asks for the accuracy margin in points in health-aware mode only", () => {
    const onChange = renderField({ mode: "health-aware" });
    const margin = screen.getByLabelText("Accuracy margin (points)") as HTMLInputElement;
    expect([margin.value, margin.min, margin.max]).toEqual(["1", "0", "100"]);
    fireEvent.change(margin, { target: { value: "0.5" } });
    expect(onChange).toHaveBeenLastCalledWith({ accuracyMargin: "0.5" });
    expect(screen.queryByTestId("pareto-choice-knee")).toBeNull();
  });

  it("asks in pareto mode which front member to assemble, the knee first", () => {
    const onChange = renderField({ mode: "pareto" });
    expect(screen.queryByTestId("accuracy-margin-input")).toBeNull();
    expect(radio("pareto-choice-knee").checked).toBe(true);
    expect(screen.getByLabelText(/Assemble the knee of the front/)).toBe(
      radio("pareto-choice-knee"),
    );
    fireEvent.click(screen.getByLabelText(/Assemble the best under these weights/));
    expect(onChange).toHaveBeenLastCalledWith({ paretoChoice: "weights" });
  });

  it("shows neither setting in simple mode", () => {
    renderField({ mode: "simple" });
    expect(screen.queryByTestId("accuracy-margin-input")).toBeNull();
    expect(screen.queryByTestId("pareto-choice-knee")).toBeNull();
  });
});
