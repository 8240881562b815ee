import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { defaultRunSettings, type RunSettings } from "@/lib/optimizeForm";
import type { ScoringMode } from "@/lib/weights";

import { RunFields } from "./RunFields";

function renderFields(patch: Partial<RunSettings> = {}) {
  const onChange = vi.fn();
  render(
    <RunFields
      settings={{ ...defaultRunSettings(["digits"]), ...patch }}
      datasets={["digits"]}
      onChange={onChange}
    />,
  );
  return onChange;
}

function select(label: string): HTMLSelectElement {
  return screen.getByLabelText(label) as HTMLSelectElement;
}

function values(label: string): string[] {
  return [...select(label).options].map((o) => o.value);
}

describe("RunFields", () => {
  it("offers the server's registered models only when it has any", () => {
    renderFields();
    expect(screen.queryByTestId("model-select")).toBeNull();
    const onChange = vi.fn();
    render(
      <RunFields
        settings={defaultRunSettings(["digits"])}
        datasets={["digits"]}
        models={["residual"]}
        onChange={onChange}
      />,
    );
    expect(values("Model")).toEqual(["", "residual"]);
    fireEvent.change(select("Model"), { target: { value: "residual" } });
    expect(onChange).toHaveBeenLastCalledWith({ model: "residual" });
  });

  it("offers Optuna's samplers and pruners and the health-pruning switch", () => {
    const onChange = renderFields();
    const sampler = select("Sampler");
    expect(sampler.value).toBe("tpe");
    const pruner = select("Pruner");
    expect(pruner.value).toBe("auto");

    fireEvent.change(sampler, { target: { value: "random" } });
    expect(onChange).toHaveBeenLastCalledWith({ sampler: "random" });
    fireEvent.change(pruner, { target: { value: "median" } });
    expect(onChange).toHaveBeenLastCalledWith({ pruner: "median" });
    const health = screen.getByTestId("health-pruning-checkbox") as HTMLInputElement;
    expect(health.checked).toBe(true);
    fireEvent.click(health);
    expect(onChange).toHaveBeenLastCalledWith({ healthPruning: false });
  });

  it.each<ScoringMode>(["simple", "health-aware"])(
    "offers CMA-ES and every pruner, not NSGA-II, in %s mode",
    (mode) => {
      renderFields({ mode });
      expect(values("Sampler")).toEqual(["tpe", "random", "cmaes", "gp"]);
      expect(values("Pruner")).toEqual([
        "auto",
        "hyperband",
        "successive-halving",
        "median",
        "percentile",
        "none",
      ]);
      expect(screen.queryByTestId("pruner-note")).toBeNull();
    },
  );

  it("offers NSGA-II, not CMA-ES, and only auto or none pruning in pareto mode, saying why", () => {
    const onChange = renderFields({ mode: "pareto" });
    expect(values("Sampler")).toEqual(["tpe", "nsga2", "random", "gp"]);
    expect(values("Pruner")).toEqual(["auto", "none"]);
    expect(select("Pruner").options[0].textContent).toBe("Auto (none in pareto mode)");
    expect(screen.getByTestId("pruner-note").textContent).toContain(
      "Optuna's pruners take one objective",
    );
    fireEvent.change(select("Sampler"), { target: { value: "nsga2" } });
    expect(onChange).toHaveBeenLastCalledWith({ sampler: "nsga2" });
  });
});
