import { render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import type { Recommendation, RecommendationReport, RunDetail, RunViews } from "@/lib/views";
import { installFakeApi, pathOf } from "@/testing/fakeApi";

import { RunViewsPage } from "./RunViewsPage";

// plotly.js needs SVG layout that jsdom lacks: stand in for it and record each chart's traces.
const plotly = vi.hoisted(() => ({
  react: vi.fn(() => Promise.resolve()),
  purge: vi.fn(),
}));
vi.mock("plotly.js-dist-min", () => ({ default: plotly }));

const api = installFakeApi();
const RUN = "lr drives accuracy";

function figure(title: string, traces: number) {
  const data = Array.from({ length: traces }, (_, i) => ({ type: "scatter", y: [i] }));
  return { data, layout: { title: { text: title } } };
}

const VIEWS: RunViews = {
  run: RUN,
  trials_used: 20,
  figures: {
    parallel_coordinates: {
      name: "parallel_coordinates",
      title: "Parallel coordinates",
      figure: figure("Parallel Coordinate Plot", 1),
      note: null,
    },
    history: {
      name: "history",
      title: "Optimization history",
      figure: figure("Optimization History Plot", 3),
      note: "Score, val accuracy and health of each complete trial.",
    },
    importance_health: {
      name: "importance_health",
      title: "Importance for health",
      figure: null,
      note: "fewer than 2 complete trials measured health",
    },
    importance_accuracy: {
      name: "importance_accuracy",
      title: "Importance for accuracy",
      figure: figure("Hyperparameter Importances", 1),
      note: "fANOVA over 20 complete trials",
    },
    impact_heatmap: {
      name: "impact_heatmap",
      title: "Hyperparameter impact",
      figure: figure("Spearman correlation", 1),
      note: "learning_rate pools each optimizer's rate",
    },
  },
  heatmap: {
    method: "spearman",
    params: ["adam_learning_rate"],
    targets: ["val_accuracy"],
    rho: [[0.91]],
    p_values: [[2.1e-8]],
    n: [[20]],
    strongest: [
      {
        param: "adam_learning_rate",
        target: "val_accuracy",
        rho: 0.91,
        p_value: 2.1e-8,
        n: 20,
        description: "higher adam_learning_rate goes with higher val_accuracy, rho=0.91, n=20",
      },
    ],
    notes: [
      "fit_seconds is constant in these trials: no correlation",
      "learning_rate pools each optimizer's rate",
    ],
  },
  importance: { val_accuracy: { adam_learning_rate: 0.93 } },
  notes: ["2 pruned trials are not in the importance figures."],
};

function recommendation(extra: Partial<Recommendation>): Recommendation {
  return {
    topic: "learning_rate",
    title: "Raise the learning rate",
    current: "0.0001",
    suggested: "0.01",
    confidence: "high",
    priority: "high",
    rationale: "Accuracy rises with the learning rate across the whole range tried.",
    evidence: {
      test: "spearman",
      statistic: 0.91,
      p_value: 2.1e-8,
      effect_size: 0.91,
      effect_name: "Spearman rho",
      ci_low: null,
      ci_high: null,
      ci_name: null,
      n: 20,
    },
    ...extra,
  };
}

const REPORT: RecommendationReport = {
  run: RUN,
  recommendations: [
    recommendation({
      topic: "overfitting",
      title: "Regularise more",
      current: null,
      suggested: "dropout 0.3 or more",
      confidence: "medium",
      priority: "low",
      evidence: {
        test: "one-sample t-test",
        statistic: 2.4,
        p_value: 0.031,
        effect_size: null,
        effect_name: null,
        ci_low: 0.01,
        ci_high: 0.05,
        ci_name: "train - val accuracy gap",
        n: 9,
      },
    }),
    recommendation({}),
  ],
  insufficient: [
    { topic: "historical", reason: "no other run on digits to learn from" },
    { topic: "batch_size", reason: "only one batch size was tried" },
  ],
  notes: ["p-values are Holm-adjusted across the 5 topics"],
  past_runs: [],
};

const DETAIL: RunDetail = {
  summary: {
    name: RUN,
    source: "cli",
    finished: true,
    modified: "2025-01-01T00:00:00Z",
    trials_complete: 20,
    trials_failed: 0,
    trials_finished: 20,
    trials_pruned: 0,
    best_trial: 7,
    best_val_accuracy: 0.97,
  },
  settings: {},
  baselines: {
    schema_version: 1,
    dataset: "digits",
    split_seed: 1,
    scores: [
      { name: "majority_class", val_accuracy: 0.1, test_accuracy: 0.1, seconds: 0, error: null },
      {
        name: "logistic_regression",
        val_accuracy: null,
        test_accuracy: null,
        seconds: 1,
        error: "lbfgs did not converge",
      },
    ],
  },
};

function serve(answers: Partial<Record<"views" | "recommendations" | "detail", () => Response>>) {
  const base = `/runs/${encodeURIComponent(RUN)}`;
  api.answer((request) => {
    const path = pathOf(request);
    if (path === `${base}/views`) return (answers.views ?? (() => Response.json(VIEWS)))();
    if (path === `${base}/recommendations`) {
      return (answers.recommendations ?? (() => Response.json(REPORT)))();
    }
    if (path === base) return (answers.detail ?? (() => Response.json(DETAIL)))();
    return undefined;
  });
}

describe("RunViewsPage", () => {
  it("draws every figure in reading order, each named by its title, with its traces", async () => {
    plotly.react.mockClear();
    serve({});
    render(<RunViewsPage run={RUN} />);
    const history = await screen.findByRole("figure", { name: "Optimization history" });
    const names = screen
      .getAllByRole("figure")
      .map((f) => f.getAttribute("data-testid"))
      .filter(Boolean);
    expect(names).toEqual([
      "figure-history",
      "figure-importance_accuracy",
      "figure-importance_health",
      "figure-parallel_coordinates",
      "figure-impact_heatmap",
    ]);
    await waitFor(() => expect(plotly.react).toHaveBeenCalledTimes(4));
    const traces = plotly.react.mock.calls.map((call) => (call as unknown[])[1]);
    expect(traces.map((t) => (t as unknown[]).length).sort()).toEqual([1, 1, 1, 3]);
    expect(history.textContent).toContain("Score, val accuracy and health");
    // A figure the API could not make says why, with no chart.
    const health = screen.getByRole("figure", { name: "Importance for health" });
    expect(health.textContent).toContain("fewer than 2 complete trials measured health");
    expect(screen.getByText(/Built from 20 trials/)).toBeTruthy();
    expect(screen.getByRole("list", { name: "Notes on the figures" }).textContent).toContain(
      "2 pruned trials",
    );
  });

  it("names the heatmap's strongest effects in words with their statistics", async () => {
    serve({});
    render(<RunViewsPage run={RUN} />);
    const findings = await screen.findByRole("list", { name: "Strongest effects" });
    expect(findings.textContent).toBe(
      "higher adam_learning_rate goes with higher val_accuracy, rho=0.91, n=20",
    );
    // The note the heatmap figure already shows is not repeated under it.
    expect(screen.getByRole("list", { name: "Notes on the impact heatmap" }).textContent).toBe(
      "fit_seconds is constant in these trials: no correlation",
    );
  });

  it("lists recommendations most urgent first, with change, badges and evidence", async () => {
    serve({});
    render(<RunViewsPage run={RUN} />);
    const list = await screen.findByRole("list", { name: "Recommendations" });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((item) => item.getAttribute("aria-label"))).toEqual([
      "Raise the learning rate",
      "Regularise more",
    ]);
    const lr = items[0];
    expect(lr.textContent).toContain("0.0001 → 0.01");
    expect(within(lr).getByText("high priority")).toBeTruthy();
    expect(within(lr).getByText("high confidence")).toBeTruthy();
    expect(within(lr).getByTestId("recommendation-evidence").textContent).toBe(
      "Evidence: spearman, p = 2.1e-8, Spearman rho = 0.91, n = 20",
    );
    const overfitting = items[1];
    expect(overfitting.textContent).not.toContain("→");
    expect(within(overfitting).getByTestId("recommendation-evidence").textContent).toContain(
      "95 % CI of train - val accuracy gap [0.01, 0.05], n = 9",
    );
    expect(screen.getByRole("list", { name: "Notes on the recommendations" }).textContent).toBe(
      "p-values are Holm-adjusted across the 5 topics",
    );
    const missing = screen.getByRole("list", { name: "Not enough data" });
    expect(within(missing).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "Past runs on this dataset: no other run on digits to learn from",
      "Batch size: only one batch size was tried",
    ]);
  });

  it("says so when the trials support no recommendation", async () => {
    serve({
      recommendations: () =>
        Response.json({ ...REPORT, recommendations: [], insufficient: [], notes: [] }),
    });
    render(<RunViewsPage run={RUN} />);
    expect(await screen.findByText(/No recommendation: nothing in these trials/)).toBeTruthy();
  });

  it("gives the best model's margin over each baseline, and why one is missing", async () => {
    serve({});
    render(<RunViewsPage run={RUN} />);
    const table = await screen.findByRole("table", { name: "Margins over the baselines" });
    expect(within(table).getByRole("rowheader", { name: "Best model (trial 7)" })).toBeTruthy();
    const majority = within(table).getByTestId("baseline-majority_class");
    expect(majority.textContent).toBe("Majority class10.00%+87.0 pts");
    const logistic = within(table).getByTestId("baseline-logistic_regression");
    expect(logistic.textContent).toContain("the baseline failed: lbfgs did not converge");
  });

  it("says a run without baselines has none", async () => {
    serve({ detail: () => Response.json({ ...DETAIL, baselines: null }) });
    render(<RunViewsPage run={RUN} />);
    expect(await screen.findByText(/This run recorded no baselines/)).toBeTruthy();
  });

  it("shows each part's own error and keeps the others", async () => {
    serve({
      views: () =>
        Response.json({ detail: "results.json of run x is unreadable" }, { status: 409 }),
    });
    render(<RunViewsPage run={RUN} />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("results.json of run x is unreadable");
    expect(await screen.findByRole("list", { name: "Recommendations" })).toBeTruthy();
    expect(screen.queryByRole("figure")).toBeNull();
  });
});
