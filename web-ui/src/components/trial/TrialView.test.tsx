import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { formatTimestamp } from "@/lib/format";
import type { TrialDetail } from "@/lib/runs";
import { installFakeApi, pathOf } from "@/testing/fakeApi";

import { trialDetail, trialSummary } from "./fixtures";
import { TrialView } from "./TrialView";

// plotly.js needs SVG layout that jsdom lacks: stand in for it and record each chart's traces.
const plotly = vi.hoisted(() => ({
  react: vi.fn((..._args: unknown[]) => Promise.resolve()),
  purge: vi.fn(),
}));
vi.mock("plotly.js-dist-min", () => ({ default: plotly }));

// Cytoscape needs a canvas, which jsdom lacks: stand in for the graph.
vi.mock("@/components/best/ArchitectureGraph", () => ({
  ArchitectureGraph: () => <div data-testid="architecture-graph" />,
}));

const api = installFakeApi();
const RUN = "digits_cli";
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

/** Serves the trial's detail, the trial list around it (trials 0-5), its plots and files. */
function serve(
  detail: TrialDetail,
  extra: (request: Request) => Response | undefined = () => undefined,
) {
  api.answer((request) => {
    const path = pathOf(request);
    if (path === `/runs/${RUN}/trials/${detail.trial.number}`) return Response.json(detail);
    if (path === `/runs/${RUN}/trials`) {
      const query = new URL(request.url).searchParams;
      const offset = Number(query.get("offset"));
      const numbers = [0, 1, 2, 3, 4, 5].slice(offset, offset + Number(query.get("limit")));
      const trials = numbers.map((n) => trialSummary(n));
      return Response.json({ run: RUN, total: 6, offset, limit: 3, trials });
    }
    if (path.includes("/plots/")) {
      return new Response(PNG, { headers: { "Content-Type": "image/png" } });
    }
    return extra(request);
  });
}

describe("TrialView", () => {
  beforeEach(() => {
    plotly.react.mockClear();
    let count = 0;
    URL.createObjectURL = vi.fn(() => `blob:file-${++count}`);
    URL.revokeObjectURL = vi.fn();
  });

  it("shows a trial that is not the best: numbers, parameters, health, diagnostics", async () => {
    serve(trialDetail(RUN, 3));
    render(<TrialView run={RUN} trial={3} />);
    const metrics = await screen.findByTestId("trial-metrics");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Trial 3complete");
    expect(screen.queryByText("Best")).toBeNull();
    const facts = Object.fromEntries(
      within(metrics)
        .getAllByRole("definition")
        .map((dd) => [dd.previousElementSibling!.textContent, dd.textContent]),
    );
    expect(facts).toMatchObject({
      "Val accuracy": "90.0%",
      "Train accuracy": "95.0%",
      "Val loss": "0.3100",
      Health: "80.0%",
      "Total score": "0.8500",
      Rank: "2",
      Parameters: "45.2k",
      "Fit time": "12s",
      "Trial time": "1m 05s",
    });
    expect(within(metrics).getByText("Finished").nextElementSibling!.textContent).toBe(
      formatTimestamp("2025-01-02T03:05:10Z"),
    );
    expect(within(screen.getByTestId("trial-params")).getByText("adam_learning_rate")).toBeTruthy();
    expect(screen.getByTestId("health-chart")).toBeTruthy();
    expect(screen.getByTestId("diagnostics-list").textContent).toContain("No issues");
    expect(screen.queryByTestId("monitoring-panel")).toBeNull(); // a CLI run has no job
  });

  it("draws the learning curves, one line per metric by epoch", async () => {
    serve(trialDetail(RUN, 3));
    render(<TrialView run={RUN} trial={3} />);
    await waitFor(() => expect(plotly.react).toHaveBeenCalled());
    type Trace = { name: string; x: number[]; y: number[] };
    const [, data] = plotly.react.mock.calls.at(-1)! as [HTMLElement, Trace[]];
    expect(data.map((trace) => trace.name)).toEqual(["accuracy", "val_accuracy", "loss"]);
    expect(data[1]).toMatchObject({ x: [1, 2], y: [0.45, 0.9] });
    expect(screen.getByRole("figure", { name: "Learning curves of trial 3" })).toBeTruthy();
  });

  it("loads the trial's plot images with the token and offers its model and plots", async () => {
    serve(trialDetail(RUN, 3));
    render(<TrialView run={RUN} trial={3} />);
    const images = await screen.findAllByTestId("plot-image");
    expect(images.map((img) => img.getAttribute("alt"))).toEqual([
      "Confusion matrix (trial 3)",
      "Training history (trial 3)",
    ]);
    expect(images.every((img) => img.getAttribute("src")?.startsWith("blob:"))).toBe(true);
    const model = screen.getByTestId("download-trial-model") as HTMLButtonElement;
    const plots = screen.getByTestId("download-trial-plots") as HTMLButtonElement;
    expect([model.disabled, plots.disabled]).toEqual([false, false]);
  });

  it("downloads the trial's own model from its URL", async () => {
    const fetched: string[] = [];
    serve(trialDetail(RUN, 3), (request) => {
      fetched.push(pathOf(request));
      return new Response("keras", { headers: { "Content-Type": "application/octet-stream" } });
    });
    render(<TrialView run={RUN} trial={3} />);
    await userEvent.click(await screen.findByTestId("download-trial-model"));
    await waitFor(() => expect(fetched).toEqual([`/runs/${RUN}/trials/3/model`]));
  });

  it("links the trials before and after it", async () => {
    serve(trialDetail(RUN, 3));
    render(<TrialView run={RUN} trial={3} />);
    const nav = await screen.findByRole("navigation", { name: "Other trials" });
    const links = within(nav).getAllByRole("link");
    expect(links.map((link) => [link.textContent, link.getAttribute("href")])).toEqual([
      ["← Trial 2", `/trial?run=${RUN}&n=2`],
      ["Trial 4 →", `/trial?run=${RUN}&n=4`],
    ]);
    expect(screen.getByRole("link", { name: "All trials of the run" }).getAttribute("href")).toBe(
      `/trials?run=${RUN}`,
    );
  });

  it("says who pruned a trial and why, and what it has not got", async () => {
    const pruned = trialDetail(RUN, 5, {
      trial: trialSummary(5, {
        state: "PRUNED",
        total_score: null,
        pruned: {
          pruned_by: "pruner",
          pruner: "hyperband",
          epoch: 1,
          reason: "val_accuracy 0.31 at epoch 1 is behind.",
        },
      }),
      rank: null,
      plots: [],
      model_url: null,
      plots_zip_url: null,
      notes: ["no model: a pruned trial saves none"],
    });
    serve(pruned);
    render(<TrialView run={RUN} trial={5} />);
    const reason = await screen.findByTestId("trial-reason");
    expect(reason.textContent).toBe(
      "Pruned: pruned at epoch 1: hyperband. val_accuracy 0.31 at epoch 1 is behind.",
    );
    expect((screen.getByTestId("download-trial-model") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText("Only a trial that completed saves its model.")).toBeTruthy();
    expect(screen.getAllByText("No plots were drawn for this trial.")).toHaveLength(2);
    expect(screen.getByTestId("trial-notes").textContent).toBe(
      "no model: a pruned trial saves none",
    );
    const nav = await screen.findByRole("navigation", { name: "Other trials" });
    expect(within(nav).getAllByRole("link").map((l) => l.textContent)).toEqual(["← Trial 4"]);
  });

  it("shows a failed trial's error and a chart's absence instead of an empty box", async () => {
    serve(
      trialDetail(RUN, 1, {
        trial: trialSummary(1, {
          state: "FAIL",
          error: "ResourceExhaustedError: OOM",
          metrics: {},
        }),
        learning_curves: {},
        rank: null,
      }),
    );
    render(<TrialView run={RUN} trial={1} />);
    expect((await screen.findByTestId("trial-reason")).textContent).toBe(
      "Failed: ResourceExhaustedError: OOM",
    );
    const curves = screen.getByTestId("learning-curves");
    expect(curves.dataset.state).toBe("missing");
    expect(curves.textContent).toContain("no epoch");
  });

  it("adds the layer monitoring of a job's trial and links the job", async () => {
    const monitoring: string[] = [];
    serve(
      trialDetail(RUN, 3, {
        job_id: "job42",
        monitoring_url: "/jobs/job42/trials/3/monitoring",
      }),
      (request) => {
        monitoring.push(pathOf(request));
        return Response.json({ detail: "no epoch records" }, { status: 404 });
      },
    );
    render(<TrialView run={RUN} trial={3} />);
    expect(await screen.findByTestId("monitoring-panel")).toBeTruthy();
    await waitFor(() => expect(monitoring).toContain("/jobs/job42/trials/3/monitoring"));
    expect(screen.getByRole("link", { name: "The job's live view" }).getAttribute("href")).toBe(
      "/run?job=job42",
    );
  });

  it("explores the trial's architecture when it recorded one", async () => {
    const architecture = {
      cytoscape: {
        elements: [
          {
            data: {
              id: "dense",
              label: "dense",
              type: "Dense",
              category: "linear",
              parameters: 40,
              pct_of_total: 80,
              color: "#16a34a",
            },
            classes: "linear",
          },
        ],
        legend: [{ category: "linear", label: "Linear", color: "#16a34a" }],
      },
      visualization: { layers: [], connections: [] },
    } as unknown as TrialDetail["architecture"];
    serve(trialDetail(RUN, 3, { architecture }));
    render(<TrialView run={RUN} trial={3} />);
    expect(await screen.findByTestId("architecture-graph")).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Architecture" })).toBeTruthy();
  });

  it("shows the API's reason when the trial is not there", async () => {
    api.answer(() => Response.json({ detail: "run digits_cli has no trial 99" }, { status: 404 }));
    render(<TrialView run={RUN} trial={99} />);
    expect((await screen.findByRole("alert")).textContent).toContain(
      "run digits_cli has no trial 99",
    );
  });
});
