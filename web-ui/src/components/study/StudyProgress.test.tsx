import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { modeProgress, studyStatus } from "@/testing/studyFixtures";

import { StudyProgress } from "./StudyProgress";

function card(mode: string): HTMLElement {
  return screen.getByTestId(`mode-card-${mode}`);
}

function field(mode: string, what: string): string {
  return screen.getByTestId(`mode-${what}-${mode}`).textContent ?? "";
}

describe("StudyProgress", () => {
  it("shows both modes side by side, each from its own progress", () => {
    render(
      <StudyProgress
        status={studyStatus({
          accuracy_only_progress: modeProgress({
            runs_completed: 3,
            best_val_accuracy: 0.9734,
          }),
          health_aware_progress: modeProgress({
            runs_completed: 1,
            runs_failed: 1,
            current_run: 2,
            current_trials_done: 3,
            best_val_accuracy: 0.951,
          }),
        })}
      />,
    );
    expect(within(card("accuracy_only")).getByRole("heading").textContent).toBe("Accuracy-only");
    expect(within(card("health_aware")).getByRole("heading").textContent).toBe("Health-aware");

    expect(field("accuracy_only", "runs")).toBe("3 / 3");
    expect(field("accuracy_only", "current")).toBe("—");
    expect(field("accuracy_only", "best")).toBe("97.3%");
    expect(card("accuracy_only").dataset.state).toBe("done");

    expect(field("health_aware", "runs")).toBe("1 / 3");
    expect(field("health_aware", "failed")).toBe("1");
    expect(field("health_aware", "current")).toBe("run 2: 3 / 4 trials");
    expect(field("health_aware", "best")).toBe("95.1%");
    expect(card("health_aware").dataset.state).toBe("running");
    const bar = within(card("health_aware")).getByRole("progressbar");
    expect(bar.getAttribute("aria-valuenow")).toBe("2"); // one completed and one failed run ended
  });

  it("says a mode waits before its first run and stops with a cancelled study", () => {
    const { rerender } = render(<StudyProgress status={studyStatus({ state: "pending" })} />);
    expect(card("accuracy_only").dataset.state).toBe("waiting");
    expect(field("accuracy_only", "best")).toBe("—");
    rerender(
      <StudyProgress
        status={studyStatus({
          state: "cancelled",
          accuracy_only_progress: modeProgress({ runs_completed: 1, current_run: 1 }),
        })}
      />,
    );
    expect(card("accuracy_only").dataset.state).toBe("stopped");
    expect(field("accuracy_only", "current")).toBe("—");
  });

  it("shows the ablation's progress only when the study has one", () => {
    const { rerender } = render(<StudyProgress status={studyStatus()} />);
    expect(screen.queryByTestId("ablation-progress")).toBeNull();
    rerender(
      <StudyProgress
        status={studyStatus({
          phase: "analyzing",
          ablation_progress: {
            components_completed: 2,
            components_total: 6,
            current_component: "gradient_health",
          },
        })}
      />,
    );
    expect(screen.getByTestId("ablation-progress").textContent).toMatch(
      /2 \/ 6 · now gradient health/,
    );
  });
});
