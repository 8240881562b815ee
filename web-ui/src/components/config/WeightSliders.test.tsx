import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";

import { type ParetoChoice, type ScoringMode, type SliderWeights } from "@/lib/weights";

import { WeightSliders } from "./WeightSliders";

const START: SliderWeights = {
  accuracy: 70,
  components: {
    neuron_utilization: 25,
    parameter_efficiency: 15,
    training_stability: 20,
    gradient_health: 15,
    convergence_quality: 15,
    accuracy_consistency: 10,
  },
};
const NAMES = Object.keys(START.components);

/** The sliders with their state held the way the configuration form holds it. */
function Harness({
  mode,
  paretoChoice = "knee",
}: {
  mode: ScoringMode;
  paretoChoice?: ParetoChoice;
}) {
  const [weights, setWeights] = useState(START);
  return (
    <WeightSliders
      weights={weights}
      mode={mode}
      paretoChoice={paretoChoice}
      onChange={setWeights}
    />
  );
}

function allSliders(): HTMLInputElement[] {
  return ["weight-accuracy", "weight-health", ...NAMES.map((n) => `weight-component-${n}`)].map(
    slider,
  );
}

function slider(testId: string): HTMLInputElement {
  return screen.getByTestId(testId) as HTMLInputElement;
}

function componentValues(): number[] {
  return NAMES.map((name) => Number(slider(`weight-component-${name}`).value));
}

function move(testId: string, value: number) {
  fireEvent.change(slider(testId), { target: { value: String(value) } });
}

describe("WeightSliders", () => {
  it("starts at the given weights with both totals at 100%", () => {
    render(<Harness mode="health-aware" />);
    expect(slider("weight-accuracy").value).toBe("70");
    expect(slider("weight-health").value).toBe("30");
    expect(componentValues()).toEqual([25, 15, 20, 15, 15, 10]);
    expect(screen.getByTestId("weights-total").textContent).toBe("100%");
    expect(screen.getByTestId("components-total").textContent).toBe("100%");
  });

  it("moves health with accuracy and accuracy with health", () => {
    render(<Harness mode="health-aware" />);
    move("weight-accuracy", 80);
    expect(slider("weight-health").value).toBe("20");
    move("weight-health", 65);
    expect(slider("weight-accuracy").value).toBe("35");
    expect(screen.getByTestId("weights-total").textContent).toBe("100%");
  });

  it("rescales the other components in proportion when one moves", () => {
    render(<Harness mode="health-aware" />);
    move("weight-component-neuron_utilization", 50);
    expect(componentValues()).toEqual([50, 10, 13, 10, 10, 7]);
    expect(screen.getByTestId("components-total").textContent).toBe("100%");
    move("weight-component-accuracy_consistency", 0);
    expect(componentValues().reduce((a, b) => a + b, 0)).toBe(100);
    expect(slider("weight-component-accuracy_consistency").value).toBe("0");
  });

  it("shows each component's share of the whole score", () => {
    render(<Harness mode="health-aware" />);
    // neuron_utilization: 25% of a 30% health weight = 7.5% of the score.
    const value = slider("weight-component-neuron_utilization").parentElement!.querySelector(
      "output",
    );
    expect(value?.textContent).toBe("25% = 7.5% of score");
  });

  it("locks accuracy at 100% and disables the health sliders in simple mode", () => {
    render(<Harness mode="simple" />);
    expect(slider("weight-accuracy").value).toBe("100");
    expect(slider("weight-health").value).toBe("0");
    expect(slider("weight-accuracy").disabled).toBe(true);
    expect(slider("weight-health").disabled).toBe(true);
    for (const name of NAMES) expect(slider(`weight-component-${name}`).disabled).toBe(true);
    expect(screen.getByTestId("weights-total").textContent).toBe("100%");
    expect(screen.getByTestId("weights-locked").textContent).toContain("accuracy alone");
  });

  it("rests in pareto mode while the knee is assembled, showing the split it would send", () => {
    render(<Harness mode="pareto" paretoChoice="knee" />);
    for (const input of allSliders()) expect(input.disabled).toBe(true);
    expect(slider("weight-accuracy").value).toBe("70");
    expect(screen.getByTestId("weights-locked").textContent).toContain("knee of the front");
  });

  it("is live in pareto mode when the best under these weights is assembled", () => {
    render(<Harness mode="pareto" paretoChoice="weights" />);
    for (const input of allSliders()) expect(input.disabled).toBe(false);
    expect(screen.queryByTestId("weights-locked")).toBeNull();
    move("weight-accuracy", 40);
    expect(slider("weight-health").value).toBe("60");
  });

  it("brings back the health-aware split when the mode switches back", () => {
    const { rerender } = render(<Harness mode="health-aware" />);
    move("weight-accuracy", 60);
    rerender(<Harness mode="simple" />);
    expect(slider("weight-accuracy").value).toBe("100");
    rerender(<Harness mode="health-aware" />);
    expect(slider("weight-accuracy").value).toBe("60");
    expect(slider("weight-health").disabled).toBe(false);
  });
});
