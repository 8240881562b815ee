import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Health } from "@/lib/api/types";
import { SCORING_DEFAULTS as DEFAULTS } from "@/testing/scoringDefaults";
import { installFakeApi, pathOf } from "@/testing/fakeApi";

import { ConfigForm } from "./ConfigForm";

const router = vi.hoisted(() => ({ push: vi.fn() }));
vi.mock("next/navigation", () => ({ useRouter: () => router }));

const api = installFakeApi();

const HEALTH: Health = {
  status: "ok",
  version: "0.1.0",
  jobs_running: 0,
  jobs_pending: 0,
  datasets: ["digits"],
  tensorboard_available: false,
  runpod_available: false,
  runpod_problem: "RUNPOD_API_KEY is not set",
  models: [],
};


function element<T extends HTMLElement = HTMLInputElement>(testId: string): T {
  return screen.getByTestId(testId) as T;
}

function select(testId: string): HTMLSelectElement {
  return element<HTMLSelectElement>(testId);
}

/** Starts the run and returns the body POST /optimize received. */
async function startedBody(): Promise<Record<string, unknown>> {
  await userEvent.click(element("start-button"));
  await waitFor(() => expect(api.requests).toHaveLength(1));
  expect(pathOf(api.requests[0])).toBe("/optimize");
  return (await api.requests[0].clone().json()) as Record<string, unknown>;
}

describe("ConfigForm", () => {
  beforeEach(() => {
    router.push.mockReset();
    api.answer((request) =>
      request.method === "POST" && pathOf(request) === "/optimize"
        ? Response.json({ job_id: "job 1" }, { status: 202 })
        : undefined,
    );
  });

  it("sends a health-aware run with the margin typed in points and the weights", async () => {
    render(<ConfigForm health={HEALTH} defaults={DEFAULTS} />);
    fireEvent.change(element("accuracy-margin-input"), { target: { value: "2" } });
    const body = await startedBody();
    expect(body).toMatchObject({
      mode: "health-aware",
      accuracy_margin: 0.02,
      accuracy_weight: 0.7,
      health_weight: 0.3,
    });
    await waitFor(() => expect(router.push).toHaveBeenCalledWith("/run?job=job%201"));
  });

  it("sends a pareto run that assembles the knee without any weight", async () => {
    render(<ConfigForm health={HEALTH} defaults={DEFAULTS} />);
    await userEvent.click(element("mode-pareto"));
    expect(element("pareto-choice-knee").checked).toBe(true);
    expect(element("weight-accuracy").disabled).toBe(true);
    await userEvent.selectOptions(select("sampler-select"), "nsga2");
    const body = await startedBody();
    expect(body).toMatchObject({ mode: "pareto", sampler: "nsga2", pruner: "auto" });
    for (const field of ["accuracy_weight", "health_weight", "health_component_weights"]) {
      expect(body).not.toHaveProperty(field);
    }
  });

  it("sends a pareto run's weights when the best under them is assembled", async () => {
    render(<ConfigForm health={HEALTH} defaults={DEFAULTS} />);
    await userEvent.click(element("mode-pareto"));
    await userEvent.click(element("pareto-choice-weights"));
    fireEvent.change(element("weight-accuracy"), { target: { value: "40" } });
    const body = await startedBody();
    expect(body).toMatchObject({
      mode: "pareto",
      accuracy_weight: 0.4,
      health_weight: 0.6,
      health_component_weights: DEFAULTS.health_component_weights,
    });
  });

  it("resets a sampler or pruner the new mode cannot run to its default", async () => {
    render(<ConfigForm health={HEALTH} defaults={DEFAULTS} />);
    await userEvent.selectOptions(select("sampler-select"), "cmaes");
    await userEvent.selectOptions(select("pruner-select"), "median");
    await userEvent.click(element("mode-pareto"));
    expect([select("sampler-select").value, select("pruner-select").value]).toEqual([
      "tpe",
      "auto",
    ]);

    await userEvent.selectOptions(select("sampler-select"), "nsga2");
    await userEvent.selectOptions(select("pruner-select"), "none");
    await userEvent.click(element("mode-simple"));
    // NSGA-II needs two objectives; "none" is a pruner every mode can run, so it stays.
    expect([select("sampler-select").value, select("pruner-select").value]).toEqual([
      "tpe",
      "none",
    ]);
    expect(await startedBody()).toMatchObject({ mode: "simple", sampler: "tpe", pruner: "none" });
  });
});
