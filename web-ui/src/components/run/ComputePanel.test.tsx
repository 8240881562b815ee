import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { ComputeSummary } from "@/lib/api/types";

import { ComputePanel } from "./ComputePanel";

const NOTE = "estimated: mean measured energy per epoch of this run's trials x epochs saved";

function summary(overrides: Partial<ComputeSummary> = {}): ComputeSummary {
  return {
    epochs_budgeted: 200,
    epochs_run: 74,
    epochs_saved: 126,
    epochs_saved_by: { health: 16, hyperband: 110 },
    trials_pruned: 13,
    energy_kwh_per_epoch: 9.5e-6,
    energy_saved_kwh: 0.0012,
    energy_note: NOTE,
    ...overrides,
  };
}

describe("ComputePanel", () => {
  it("shows epochs run of budgeted, what each pruner saved and the estimated energy", () => {
    render(<ComputePanel compute={summary()} />);
    expect(screen.getByTestId("compute-epochs").textContent).toBe("74 / 200");
    expect(screen.getByTestId("compute-saved").textContent).toBe("126");
    expect(screen.getByTestId("compute-energy").textContent).toBe("≈ 0.0012 kWh");
    expect(screen.getByText("Energy saved (estimated)")).toBeTruthy();
    expect(screen.getByTestId("compute-note").textContent).toBe(
      `Saved by: hyperband 110 · health 16. Energy saved is ${NOTE}.`,
    );
  });

  it("gives small energies in Wh, and says so when nothing was pruned or measured", () => {
    const { rerender } = render(<ComputePanel compute={summary({ energy_saved_kwh: 2.4e-5 })} />);
    expect(screen.getByTestId("compute-energy").textContent).toBe("≈ 0.024 Wh");
    rerender(
      <ComputePanel
        compute={summary({
          epochs_run: 200,
          epochs_saved: 0,
          epochs_saved_by: {},
          trials_pruned: 0,
          energy_kwh_per_epoch: null,
          energy_saved_kwh: null,
        })}
      />,
    );
    expect(screen.getByTestId("compute-energy").textContent).toBe("not measured");
    expect(screen.getByTestId("compute-note").textContent).toBe("No trial was pruned.");
  });
});
