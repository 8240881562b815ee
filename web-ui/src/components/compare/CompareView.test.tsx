import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import type { RunComparison } from "@/lib/compare";
import type { RunSummary } from "@/lib/runs";
import { installFakeApi, pathOf } from "@/testing/fakeApi";

import { CompareView } from "./CompareView";

const router = vi.hoisted(() => ({ push: vi.fn() }));
vi.mock("next/navigation", () => ({ useRouter: () => router }));

// plotly.js needs SVG layout that jsdom lacks: stand in for it and record each chart's traces.
const plotly = vi.hoisted(() => ({ react: vi.fn(() => Promise.resolve()), purge: vi.fn() }));
vi.mock("plotly.js-dist-min", () => ({ default: plotly }));

const api = installFakeApi();

function summary(name: string, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    name,
    dataset: "digits",
    mode: "health_aware",
    source: "cli",
    finished: true,
    modified: "2025-01-01T00:00:00Z",
    trials_complete: 20,
    trials_failed: 0,
    trials_finished: 20,
    trials_pruned: 0,
    best_val_accuracy: 0.95,
    ...extra,
  };
}

const RUNS = [
  summary("fast_lr"),
  summary("slow_lr", { best_val_accuracy: 0.71 }),
  summary("broken", { error: "results.json of run broken is not valid JSON" }),
  summary("third"),
];

const COMPARISON: RunComparison = {
  alpha: 0.05,
  min_trials: 3,
  runs: [
    {
      name: "fast_lr",
      best_trial: 4,
      trials_complete: 20,
      trials_finished: 20,
      learning_curves: { val_accuracy: [0.6, 0.9, 0.95], val_loss: [1, 0.5, 0.3], loss: [1, 1, 1] },
    },
    {
      name: "slow_lr",
      best_trial: 11,
      trials_complete: 20,
      trials_finished: 20,
      learning_curves: { val_accuracy: [0.4, 0.6, 0.71] },
    },
  ],
  metrics: [
    {
      metric: "val_accuracy",
      values: { fast_lr: 0.95, slow_lr: 0.71 },
      test: "welch_t",
      p_value: 0.00012,
      significant: true,
    },
    {
      metric: "health_score",
      values: { fast_lr: 0.8, slow_lr: 0.79 },
      test: "welch_t",
      p_value: 0.61,
      significant: false,
    },
    {
      metric: "test_accuracy",
      values: { fast_lr: 0.94, slow_lr: null },
      significant: null,
      reason: "run slow_lr has 1 trial with a test accuracy, needs 3",
    },
  ],
  param_differences: { adam_learning_rate: { fast_lr: 0.01, slow_lr: 0.00001 } },
  setting_differences: {},
  notes: ["the runs scored with different weights"],
};

function serve(comparison: () => Response = () => Response.json(COMPARISON)) {
  api.answer((request) => {
    const path = pathOf(request);
    if (path === "/runs") return Response.json({ runs: RUNS });
    if (path === "/compare") return comparison();
    return undefined;
  });
}

describe("CompareView", () => {
  it("picks two or more readable runs, in the list's order, and compares them", async () => {
    router.push.mockClear();
    serve();
    render(<CompareView runs={[]} />);
    const submit = await screen.findByRole("button", { name: "Compare 0 runs" });
    expect(submit.hasAttribute("disabled")).toBe(true);
    expect(screen.getByRole("checkbox", { name: /broken/ }).hasAttribute("disabled")).toBe(true);
    expect(screen.getByText("results.json of run broken is not valid JSON")).toBeTruthy();
    fireEvent.click(screen.getByRole("checkbox", { name: /^third/ }));
    expect(submit.hasAttribute("disabled")).toBe(true);
    fireEvent.click(screen.getByRole("checkbox", { name: /^fast_lr/ }));
    expect(screen.getByRole("button", { name: "Compare 2 runs" }).hasAttribute("disabled")).toBe(
      false,
    );
    fireEvent.click(submit);
    expect(router.push).toHaveBeenCalledWith("/compare?runs=fast_lr,third");
    // Without two runs in the address, nothing is compared yet.
    expect(api.requests.map(pathOf)).toEqual(["/runs"]);
  });

  it("asks the API for the runs in the address and ticks them in the picker", async () => {
    serve();
    render(<CompareView runs={["fast_lr", "slow_lr"]} />);
    await screen.findByRole("table", { name: "Best metrics per run" });
    const compare = api.requests.find((r) => pathOf(r) === "/compare");
    expect(new URL(compare!.url).searchParams.getAll("runs")).toEqual(["fast_lr", "slow_lr"]);
    const checkbox = (name: RegExp) => screen.getByRole("checkbox", { name }) as HTMLInputElement;
    expect(checkbox(/^fast_lr/).checked).toBe(true);
    expect(checkbox(/^slow_lr/).checked).toBe(true);
    expect(checkbox(/^third/).checked).toBe(false);
  });

  it("tables each run's best metrics with the test's verdict or its reason", async () => {
    serve();
    render(<CompareView runs={["fast_lr", "slow_lr"]} />);
    const table = await screen.findByRole("table", { name: "Best metrics per run" });
    const cells = (label: string) => {
      const row = within(table).getByRole("rowheader", { name: label }).closest("tr")!;
      return Array.from(row.querySelectorAll("td")).map((cell) => cell.textContent);
    };
    expect(cells("Best trial")).toEqual(["4 of 20 complete", "11 of 20 complete", ""]);
    expect(cells("Val accuracy")).toEqual([
      "95.00%",
      "71.00%",
      "differs beyond noise (welch_t, p = 0.00012)",
    ]);
    expect(cells("Health")).toEqual([
      "0.8000",
      "0.7900",
      "within run-to-run noise (welch_t, p = 0.61)",
    ]);
    expect(cells("Test accuracy")).toEqual([
      "94.00%",
      "—",
      "run slow_lr has 1 trial with a test accuracy, needs 3",
    ]);
    expect(within(table).getByRole("link", { name: "fast_lr" }).getAttribute("href")).toBe(
      "/views?run=fast_lr",
    );
  });

  it("shows what differs, says when nothing does, and lists the notes", async () => {
    serve();
    render(<CompareView runs={["fast_lr", "slow_lr"]} />);
    const params = await screen.findByRole("table", { name: "Parameters that differ" });
    expect(
      Array.from(params.querySelectorAll("tbody tr")).map((tr) => tr.textContent),
    ).toEqual(["adam_learning_rate0.010.00001"]);
    expect(screen.queryByRole("table", { name: "Settings that differ" })).toBeNull();
    expect(screen.getByText("The runs share every setting.")).toBeTruthy();
    expect(screen.getByText("the runs scored with different weights")).toBeTruthy();
  });

  it("overlays the best trials' validation curves, one chart per validation metric", async () => {
    plotly.react.mockClear();
    serve();
    render(<CompareView runs={["fast_lr", "slow_lr"]} />);
    const accuracy = await screen.findByRole("figure", {
      name: "Val accuracy of each run's best trial",
    });
    const loss = "Val loss of each run's best trial";
    expect(screen.getByRole("figure", { name: loss })).toBeTruthy();
    await waitFor(() => expect(plotly.react).toHaveBeenCalledTimes(2));
    const calls = plotly.react.mock.calls as unknown as [Node, unknown][];
    const call = calls.find(([root]) => accuracy.contains(root));
    const traces = call![1] as { name: string; y: number[] }[];
    expect(traces.map((t) => [t.name, t.y])).toEqual([
      ["fast_lr, trial 4", [0.6, 0.9, 0.95]],
      ["slow_lr, trial 11", [0.4, 0.6, 0.71]],
    ]);
  });

  it("shows the API's reason when the runs cannot be compared", async () => {
    serve(() => Response.json({ detail: "run gone does not exist" }, { status: 404 }));
    render(<CompareView runs={["fast_lr", "gone"]} />);
    expect((await screen.findByRole("alert")).textContent).toContain("run gone does not exist");
  });
});
