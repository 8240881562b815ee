import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { trialSummary } from "@/components/trial/fixtures";
import type { TrialSummary } from "@/lib/api/types";
import { installFakeApi, pathOf } from "@/testing/fakeApi";

import { TrialsTable } from "./TrialsTable";

const api = installFakeApi();
const RUN = "digits run";

/** 120 trials: every 10th failed, every 7th (not failed) pruned by hyperband at epoch 1. */
const TRIALS: TrialSummary[] = Array.from({ length: 120 }, (_, n) =>
  n % 10 === 3
    ? trialSummary(n, { state: "FAIL", error: `ValueError: trial ${n} broke`, total_score: null })
    : n % 7 === 0
      ? trialSummary(n, {
          state: "PRUNED",
          total_score: null,
          pruned: { pruned_by: "pruner", pruner: "hyperband", epoch: 1, reason: "behind" },
        })
      : trialSummary(n),
);

/** Serves GET /runs/{run}/trials as the server does: filter by state, then slice. */
function serveTrials() {
  api.answer((request) => {
    if (pathOf(request) !== `/runs/${encodeURIComponent(RUN)}/trials`) return undefined;
    const query = new URL(request.url).searchParams;
    const offset = Number(query.get("offset"));
    const limit = Number(query.get("limit"));
    const state = query.get("state");
    const kept = state ? TRIALS.filter((t) => t.state === state) : TRIALS;
    return Response.json({
      run: RUN,
      total: kept.length,
      offset,
      limit,
      trials: kept.slice(offset, offset + limit),
    });
  });
}

function shown(): number[] {
  return screen.getAllByTestId("trial-row").map((row) => Number(row.dataset.trial));
}

async function settled(first: number) {
  await waitFor(() => expect(shown()[0]).toBe(first));
}

describe("TrialsTable", () => {
  beforeEach(() => {
    URL.createObjectURL = vi.fn(() => "blob:export");
    URL.revokeObjectURL = vi.fn();
  });

  it("shows the first 50 trials, then the next page and back", async () => {
    serveTrials();
    render(<TrialsTable run={RUN} />);
    await settled(0);
    expect(shown()).toEqual(Array.from({ length: 50 }, (_, n) => n));
    expect(screen.getByTestId("trial-range").textContent).toBe("1–50 of 120");
    const previous = screen.getByRole("button", { name: "Previous page" }) as HTMLButtonElement;
    expect(previous.disabled).toBe(true);

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Next page" }));
    await settled(50);
    await user.click(screen.getByRole("button", { name: "Next page" }));
    await settled(100);
    expect(screen.getByTestId("trial-range").textContent).toBe("101–120 of 120");
    expect((screen.getByRole("button", { name: "Next page" }) as HTMLButtonElement).disabled).toBe(
      true,
    );
    await user.click(previous);
    await settled(50);
  });

  it("asks the API for one state only, from its first page", async () => {
    serveTrials();
    render(<TrialsTable run={RUN} />);
    await settled(0);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Next page" }));
    await settled(50);
    await user.selectOptions(screen.getByLabelText("State"), "FAIL");
    await settled(3);
    expect(shown()).toEqual([3, 13, 23, 33, 43, 53, 63, 73, 83, 93, 103, 113]);
    const last = new URL(api.requests.at(-1)!.url).searchParams;
    expect([last.get("state"), last.get("offset")]).toEqual(["FAIL", "0"]);
  });

  it("links every row to its trial and says why a trial failed or was pruned", async () => {
    serveTrials();
    render(<TrialsTable run={RUN} />);
    await settled(0);
    const row = (n: number) => screen.getAllByTestId("trial-row")[n];
    expect(within(row(3)).getByRole("link", { name: "Trial 3" }).getAttribute("href")).toBe(
      "/trial?run=digits+run&n=3",
    );
    expect(row(3).dataset.state).toBe("FAIL");
    expect(row(3).textContent).toContain("ValueError: trial 3 broke");
    expect(row(7).textContent).toContain("pruned at epoch 1: hyperband");
    expect(within(row(1)).getByText("complete")).toBeTruthy();
  });

  it("says so when no trial is in the chosen state", async () => {
    api.answer(() => Response.json({ run: RUN, total: 0, offset: 0, limit: 50, trials: [] }));
    render(<TrialsTable run={RUN} />);
    expect(await screen.findByText("No trial has finished.")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("shows a missing run's 404 reason", async () => {
    api.answer(() => Response.json({ detail: "no run named 'digits run'" }, { status: 404 }));
    render(<TrialsTable run={RUN} />);
    expect((await screen.findByRole("alert")).textContent).toContain("no run named 'digits run'");
  });

  it("downloads the run's export in each format from the Export menu", async () => {
    serveTrials();
    const exported: string[] = [];
    api.answer((request) => {
      if (pathOf(request).endsWith("/export")) {
        exported.push(new URL(request.url).search);
        return new Response("number,state\n", {
          headers: { "Content-Disposition": 'attachment; filename="digits run_trials.csv"' },
        });
      }
      return Response.json({ run: RUN, total: 0, offset: 0, limit: 50, trials: [] });
    });
    render(<TrialsTable run={RUN} />);
    const menu = screen.getByTestId("export-menu");
    const user = userEvent.setup();
    await user.click(within(menu).getByText("Export"));
    for (const format of ["csv", "parquet", "json"]) {
      await user.click(screen.getByTestId(`export-${format}`));
    }
    await waitFor(() => expect(exported).toHaveLength(3));
    expect(exported).toEqual(["?format=csv", "?format=parquet", "?format=json"]);
    const paths = api.requests.filter((r) => pathOf(r).endsWith("/export")).map(pathOf);
    expect(new Set(paths)).toEqual(new Set(["/runs/digits%20run/export"]));
  });
});
