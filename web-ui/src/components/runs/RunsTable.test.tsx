import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { RunSummary } from "@/lib/runs";
import { installFakeApi, pathOf } from "@/testing/fakeApi";

import { RunsTable } from "./RunsTable";

const api = installFakeApi();

function summary(name: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    name,
    dataset: "digits",
    mode: "health_aware",
    source: "cli",
    job_id: null,
    job_status: null,
    finished: true,
    trials_requested: 20,
    trials_finished: 20,
    trials_complete: 17,
    trials_pruned: 2,
    trials_failed: 1,
    best_trial: 4,
    best_value: 0.91,
    best_val_accuracy: 0.9734,
    best_health_score: 0.8,
    modified: "2025-01-02T03:04:05Z",
    error: null,
    ...overrides,
  };
}

const RUNS = [
  summary("digits_cli"),
  summary("job run", {
    source: "job",
    job_id: "abc123",
    job_status: "running",
    mode: "simple",
    trials_requested: 10,
    trials_finished: 3,
    trials_pruned: 0,
    trials_failed: 0,
    best_val_accuracy: 0.5,
  }),
  summary("broken", {
    dataset: null,
    mode: null,
    trials_requested: null,
    trials_finished: 0,
    trials_pruned: 0,
    trials_failed: 0,
    best_val_accuracy: null,
    error: "broken/results.json is not valid JSON: line 1",
  }),
];

function row(name: string): HTMLElement {
  return screen.getAllByTestId("run-row").find((r) => r.dataset.run === name)!;
}

function cells(name: string): string[] {
  return within(row(name))
    .getAllByRole("cell")
    .map((cell) => cell.textContent ?? "");
}

describe("RunsTable", () => {
  it("lists every run from GET /runs in the server's order", async () => {
    api.answer((request) =>
      pathOf(request) === "/runs" ? Response.json({ runs: RUNS }) : undefined,
    );
    render(<RunsTable />);
    await screen.findByRole("table", { name: "Runs" });
    expect(screen.getAllByTestId("run-row").map((r) => r.dataset.run)).toEqual([
      "digits_cli",
      "job run",
      "broken",
    ]);
  });

  it("shows source, dataset, mode, trial counts and best accuracy of each run", async () => {
    api.answer(() => Response.json({ runs: RUNS }));
    render(<RunsTable />);
    await screen.findByRole("table", { name: "Runs" });
    const [source, dataset, mode, trials, best] = cells("digits_cli");
    expect([source, dataset, mode, trials, best]).toEqual([
      "CLI",
      "digits",
      "health-aware",
      "20 / 20 (2 pruned, 1 failed)",
      "97.3%",
    ]);
    expect(cells("job run").slice(0, 5)).toEqual([
      "job (running)",
      "digits",
      "simple",
      "3 / 10",
      "50.0%",
    ]);
    expect(
      within(row("job run")).getByRole("link", { name: "Job of job run" }).getAttribute("href"),
    ).toBe("/run?job=abc123");
  });

  it("links each readable run to its trials and its views", async () => {
    api.answer(() => Response.json({ runs: RUNS }));
    render(<RunsTable />);
    await screen.findByRole("table", { name: "Runs" });
    expect(screen.getByRole("link", { name: "Trials of job run" }).getAttribute("href")).toBe(
      "/trials?run=job+run",
    );
    expect(screen.getByRole("link", { name: "Views of digits_cli" }).getAttribute("href")).toBe(
      "/views?run=digits_cli",
    );
  });

  it("keeps an unreadable run in the list with its error instead of links", async () => {
    api.answer(() => Response.json({ runs: RUNS }));
    render(<RunsTable />);
    await screen.findByRole("table", { name: "Runs" });
    const broken = row("broken");
    expect(broken.dataset.error).toBe("true");
    expect(within(broken).getByRole("note").textContent).toBe(
      "broken/results.json is not valid JSON: line 1",
    );
    expect(within(broken).queryByRole("link")).toBeNull();
    expect(cells("broken").slice(1, 5)).toEqual(["—", "—", "0", "—"]);
  });

  it("says so when the results folder holds no run", async () => {
    api.answer(() => Response.json({ runs: [] }));
    render(<RunsTable />);
    expect(await screen.findByText("No runs in the results folder yet.")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("shows the API's refusal with a way to retry", async () => {
    api.answer(() => Response.json({ detail: "invalid token" }, { status: 401 }));
    render(<RunsTable />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("invalid token");
    expect(within(alert).getByRole("button", { name: "Retry" })).toBeTruthy();
  });
});
