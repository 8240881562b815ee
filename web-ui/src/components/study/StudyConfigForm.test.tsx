import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { DefaultScoringWeights, Health } from "@/lib/api/types";
import { installFakeApi, pathOf } from "@/testing/fakeApi";

import { StudyConfigForm } from "./StudyConfigForm";

const router = vi.hoisted(() => ({ push: vi.fn() }));
vi.mock("next/navigation", () => ({ useRouter: () => router }));

const api = installFakeApi();

const HEALTH: Health = {
  status: "ok",
  version: "0.1.0",
  jobs_running: 0,
  jobs_pending: 0,
  datasets: ["mnist", "digits"],
  tensorboard_available: false,
  runpod_available: false,
  runpod_problem: "RUNPOD_API_KEY is not set",
  models: [],
};
const DEFAULTS = { accuracy_weight: 0.7 } as DefaultScoringWeights;

function input(testId: string): HTMLInputElement {
  return screen.getByTestId(testId) as HTMLInputElement;
}

function type(testId: string, value: string) {
  fireEvent.change(input(testId), { target: { value } });
}

async function submittedBody(): Promise<Record<string, unknown>> {
  await waitFor(() => expect(api.requests).toHaveLength(1));
  return (await api.requests[0].clone().json()) as Record<string, unknown>;
}

describe("StudyConfigForm", () => {
  beforeEach(() => router.push.mockReset());

  it("keeps the accuracy/health split at 100% whichever slider moves", () => {
    render(<StudyConfigForm health={HEALTH} defaults={DEFAULTS} />);
    expect([input("study-weight-accuracy").value, input("study-weight-health").value]).toEqual([
      "70",
      "30",
    ]);
    type("study-weight-accuracy", "80");
    expect(input("study-weight-health").value).toBe("20");
    type("study-weight-health", "65");
    expect(input("study-weight-accuracy").value).toBe("35");
    expect(screen.getByTestId("study-weights-total").textContent).toBe("100%");
  });

  it("says why RunPod falls back to local training when the server has none", () => {
    render(<StudyConfigForm health={HEALTH} defaults={DEFAULTS} />);
    expect(screen.getByTestId("study-runpod-note").textContent).toContain(
      "RUNPOD_API_KEY is not set",
    );
  });

  it("lists the nine modules by title and locks them when the analysis waits", async () => {
    render(<StudyConfigForm health={HEALTH} defaults={DEFAULTS} />);
    const boxes = screen.getAllByRole("checkbox", { name: /./ }).filter((box) =>
      box.getAttribute("data-testid")?.startsWith("study-module-"),
    );
    expect(boxes).toHaveLength(9);
    expect(screen.getByLabelText(/Robustness to corruptions/)).toBeTruthy();
    await userEvent.click(input("study-auto-analysis"));
    expect(input("study-module-robustness").closest("fieldset")?.disabled).toBe(true);
  });

  it("refuses a health weight of 0 without asking the server", async () => {
    render(<StudyConfigForm health={HEALTH} defaults={DEFAULTS} />);
    type("study-weight-accuracy", "100");
    await userEvent.click(screen.getByTestId("study-start-button"));
    expect(screen.getByTestId("study-form-error").textContent).toMatch(/above 0%/);
    expect(api.requests).toHaveLength(0);
  });

  it("names a field that is not a whole number", async () => {
    render(<StudyConfigForm health={HEALTH} defaults={DEFAULTS} />);
    type("study-epochs-input", "1.5");
    await userEvent.click(screen.getByTestId("study-start-button"));
    expect(screen.getByTestId("study-form-error").textContent).toBe(
      "Max epochs per trial must be a whole number",
    );
  });

  it("shows the server's 422 message in the form and stays on the page", async () => {
    api.answer(() =>
      Response.json(
        {
          detail: [
            {
              loc: ["body", "concurrent_workers"],
              msg: "concurrent_workers must be at most 2 on this server (got 8)",
              type: "value_error",
            },
          ],
        },
        { status: 422 },
      ),
    );
    render(<StudyConfigForm health={HEALTH} defaults={DEFAULTS} />);
    type("study-workers-input", "8");
    await userEvent.click(screen.getByTestId("study-start-button"));
    const error = await screen.findByTestId("study-form-error");
    expect(error.textContent).toBe(
      "concurrent_workers: concurrent_workers must be at most 2 on this server (got 8)",
    );
    expect(router.push).not.toHaveBeenCalled();
    expect((screen.getByTestId("study-start-button") as HTMLButtonElement).disabled).toBe(false);
  });

  it("starts the study and opens its page", async () => {
    api.answer((request) =>
      request.method === "POST" && pathOf(request) === "/comparison-study/start"
        ? Response.json(
            { study_id: "study_digits_x", status_url: "/comparison-study/study_digits_x/status" },
            { status: 202 },
          )
        : undefined,
    );
    render(<StudyConfigForm health={HEALTH} defaults={DEFAULTS} />);
    type("study-runs-input", "2");
    type("study-trials-input", "1");
    await userEvent.click(screen.getByTestId("study-modules-none"));
    await userEvent.click(input("study-module-calibration"));
    await userEvent.click(input("study-module-generalization"));
    await userEvent.click(screen.getByTestId("study-start-button"));
    expect(await submittedBody()).toMatchObject({
      dataset_name: "digits",
      runs_per_mode: 2,
      trials_per_mode: 1,
      accuracy_weight: 0.7,
      health_overall_weight: 0.3,
      modules_to_run: ["generalization", "calibration"],
    });
    await waitFor(() => expect(router.push).toHaveBeenCalledWith("/study?id=study_digits_x"));
  });
});
