import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { defaultRunSettings } from "@/lib/optimizeForm";

import { RunFields } from "./RunFields";

describe("RunFields", () => {
  it("offers Optuna's samplers and pruners and the health-pruning switch", () => {
    const onChange = vi.fn();
    render(
      <RunFields settings={defaultRunSettings(["digits"])} datasets={["digits"]} onChange={onChange} />,
    );
    const sampler = screen.getByLabelText("Sampler") as HTMLSelectElement;
    expect([...sampler.options].map((o) => o.value)).toEqual(["tpe", "random", "cmaes", "gp"]);
    expect(sampler.value).toBe("tpe");
    const pruner = screen.getByLabelText("Pruner") as HTMLSelectElement;
    expect(pruner.value).toBe("auto");
    expect([...pruner.options].map((o) => o.value)).toContain("hyperband");

    fireEvent.change(sampler, { target: { value: "random" } });
    expect(onChange).toHaveBeenLastCalledWith({ sampler: "random" });
    fireEvent.change(pruner, { target: { value: "median" } });
    expect(onChange).toHaveBeenLastCalledWith({ pruner: "median" });
    const health = screen.getByTestId("health-pruning-checkbox") as HTMLInputElement;
    expect(health.checked).toBe(true);
    fireEvent.click(health);
    expect(onChange).toHaveBeenLastCalledWith({ healthPruning: false });
  });
});
