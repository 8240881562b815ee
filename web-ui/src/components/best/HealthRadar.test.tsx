import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { HealthRadar } from "./HealthRadar";

describe("HealthRadar", () => {
  it("draws one axis per component and lists the values, marking missing ones", () => {
    const health = {
      neuron_utilization: 1,
      parameter_efficiency: 0.137,
      training_stability: 0.969,
      gradient_health: null,
      convergence_quality: 0.147,
      accuracy_consistency: null,
    };
    render(<HealthRadar health={health} compositeHealth={0.7158} />);
    const chart = screen.getByTestId("health-chart");
    expect(chart.querySelectorAll("line")).toHaveLength(6);
    // Four measured components get a dot; the two missing ones do not.
    expect(chart.querySelectorAll("circle")).toHaveLength(4);
    expect(chart.textContent).toContain("(n/a)");

    const rows = screen.getAllByRole("row").map((row) => row.textContent);
    expect(rows).toEqual([
      "Neuron utilization1.00",
      "Parameter efficiency0.14",
      "Training stability0.97",
      "Gradient healthnot measured",
      "Convergence quality0.15",
      "Accuracy consistencynot measured",
      "Composite health0.72",
    ]);
  });
});
