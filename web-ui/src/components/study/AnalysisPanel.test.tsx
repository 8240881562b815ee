import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { installFakeApi, pathOf } from "@/testing/fakeApi";
import { studyStatus } from "@/testing/studyFixtures";

import { AnalysisPanel } from "./AnalysisPanel";

const api = installFakeApi();

describe("AnalysisPanel", () => {
  it("waits for phase 1a, naming the modules requested up front", () => {
    render(
      <AnalysisPanel
        status={studyStatus({
          analysis: {
            modules_requested: ["generalization", "calibration"],
            modules_completed: [],
            current_module: null,
          },
        })}
        onStatus={() => {}}
      />,
    );
    expect(screen.getByTestId("analysis-waiting").textContent).toContain(
      "Generalization on the holdout, Calibration",
    );
    expect(screen.queryByTestId("run-analysis-button")).toBeNull();
  });

  it("shows the module in progress and how many of the requested ones are done", () => {
    render(
      <AnalysisPanel
        status={studyStatus({
          phase: "analyzing",
          best_models_selected: true,
          analysis: {
            modules_requested: ["generalization", "robustness", "calibration"],
            modules_completed: ["generalization"],
            current_module: "robustness",
          },
        })}
        onStatus={() => {}}
      />,
    );
    expect(screen.getByTestId("analysis-count").textContent).toBe("1 / 3");
    expect(screen.getByTestId("analysis-current").textContent).toBe("Robustness to corruptions");
    expect(screen.queryByTestId("run-analysis-button")).toBeNull();
  });

  it("starts phase 1b with the chosen modules once the models are built", async () => {
    const running = studyStatus({ phase: "analyzing", state: "running" });
    api.answer((request) =>
      pathOf(request) === "/comparison-study/study_digits_1/analyze"
        ? Response.json(running, { status: 202 })
        : undefined,
    );
    const onStatus = vi.fn();
    render(
      <AnalysisPanel
        status={studyStatus({ phase: "built", state: "completed", best_models_selected: true })}
        onStatus={onStatus}
      />,
    );
    await userEvent.click(screen.getByTestId("analysis-modules-none"));
    await userEvent.click(screen.getByTestId("run-analysis-button"));
    expect(screen.getByTestId("analysis-error").textContent).toMatch(/at least one/);
    expect(api.requests).toHaveLength(0);

    await userEvent.click(screen.getByTestId("analysis-module-per_class"));
    await userEvent.click(screen.getByTestId("run-analysis-button"));
    await waitFor(() => expect(onStatus).toHaveBeenCalledWith(running));
    expect(await api.requests[0].json()).toEqual({ modules_to_run: ["per_class"] });
  });

  it("shows the server's refusal", async () => {
    api.answer(() => Response.json({ detail: "study study_digits_1 is running" }, { status: 409 }));
    render(
      <AnalysisPanel
        status={studyStatus({ phase: "built", state: "completed", best_models_selected: true })}
        onStatus={() => {}}
      />,
    );
    await userEvent.click(screen.getByTestId("run-analysis-button"));
    expect((await screen.findByTestId("analysis-error")).textContent).toBe(
      "study study_digits_1 is running",
    );
  });
});
