import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import type { TrialSummary } from "@/lib/api/types";

import { TrialGallery } from "./TrialGallery";

function trial(number: number, overrides: Partial<TrialSummary> = {}): TrialSummary {
  return {
    number,
    state: "COMPLETE",
    params: { learning_rate: 0.001, num_layers: 2 },
    metrics: { val_accuracy: 0.9 },
    health: {},
    health_reasons: {},
    health_score: 0.8,
    total_score: 0.85,
    num_parameters: 1000,
    epochs_run: 2,
    timings: {},
    diagnostics: { issue_count: 0, severity_counts: {}, checks_skipped: [] },
    analysis: {
      under_trained_layers: [],
      over_trained_layers: [],
      recommendations: [],
      skipped: {},
      errors: {},
    },
    interrupted: false,
    error: null,
    ...overrides,
  };
}

const TRIALS: TrialSummary[] = [
  trial(2, {
    total_score: 0.9123,
    metrics: { val_accuracy: 0.9734 },
    health_score: 0.8125,
    num_parameters: 45200,
  }),
  trial(0, { total_score: 0.8, num_parameters: 1_234_567 }),
  trial(1, {
    state: "FAIL",
    total_score: null,
    health_score: null,
    metrics: {},
    error: "ResourceExhaustedError: out of memory",
  }),
  trial(3, { total_score: 0.95 }),
];

function cards(): HTMLElement[] {
  return screen.getAllByTestId("trial-card");
}

function cardOf(number: number): HTMLElement {
  return cards().find((card) => card.dataset.trial === String(number))!;
}

describe("TrialGallery", () => {
  it("highlights the trial the server names as best, and only that one", () => {
    render(<TrialGallery trials={TRIALS} bestTrial={2} run="digits_simple_1" />);
    const best = cards().filter((card) => card.dataset.best === "true");
    expect(best.map((card) => card.dataset.trial)).toEqual(["2"]);
    expect(within(cardOf(2)).getByText("Best")).toBeTruthy();
  });

  it("falls back to the highest total score when the server names none", () => {
    render(<TrialGallery trials={TRIALS} bestTrial={null} run="digits_simple_1" />);
    expect(cardOf(3).dataset.best).toBe("true");
    expect(cardOf(2).dataset.best).toBeUndefined();
  });

  it("shows a failed trial's reason instead of its metrics", () => {
    render(<TrialGallery trials={TRIALS} bestTrial={2} run="digits_simple_1" />);
    const failed = cardOf(1);
    expect(failed.dataset.state).toBe("FAIL");
    expect(within(failed).getByTestId("trial-error").textContent).toBe(
      "ResourceExhaustedError: out of memory",
    );
    expect(within(failed).queryByText("Total score")).toBeNull();
    expect(screen.getAllByTestId("trial-error")).toHaveLength(1);
  });

  it("marks pruned trials with a badge and who stopped them at which epoch", () => {
    const pruned = [
      trial(4, {
        state: "PRUNED",
        total_score: null,
        metrics: { val_accuracy: 0.31 },
        pruned: {
          pruned_by: "pruner",
          pruner: "hyperband",
          epoch: 3,
          reason: "hyperband pruner: val_accuracy 0.31 at epoch 3 is behind",
        },
      }),
      trial(5, {
        state: "PRUNED",
        total_score: null,
        pruned: { pruned_by: "health", check: "nan_in_loss", epoch: 1, reason: "health: NaN" },
      }),
    ];
    render(
      <TrialGallery trials={[...TRIALS, ...pruned]} bestTrial={null} run="digits_simple_1" />,
    );
    expect(cardOf(3).dataset.best).toBe("true"); // a pruned trial is never the best
    const byPruner = cardOf(4);
    expect(byPruner.dataset.state).toBe("PRUNED");
    expect(byPruner.className).toContain("trial-card-pruned");
    expect(within(byPruner).getByText("pruned").className).toContain("badge-pruned");
    const reason = within(byPruner).getByTestId("trial-pruned");
    expect(reason.textContent).toBe("pruned at epoch 3: hyperband");
    expect(reason.title).toContain("is behind");
    expect(within(byPruner).getByText("31.0%")).toBeTruthy(); // its partial figures stay
    expect(within(cardOf(5)).getByTestId("trial-pruned").textContent).toBe(
      "pruned at epoch 1 by health: nan_in_loss",
    );
    expect(screen.getAllByTestId("trial-pruned")).toHaveLength(2);
  });

  it("formats accuracy and health as percents, the score to four places, parameters compactly", () => {
    render(<TrialGallery trials={TRIALS} bestTrial={2} run="digits_simple_1" />);
    const values = (card: HTMLElement) =>
      Object.fromEntries(
        within(card)
          .getAllByRole("definition")
          .slice(0, 4)
          .map((dd) => [dd.previousElementSibling!.textContent, dd.textContent]),
      );
    expect(values(cardOf(2))).toEqual({
      "Val accuracy": "97.3%",
      Health: "81.3%",
      "Total score": "0.9123",
      Parameters: "45.2k",
    });
    expect(values(cardOf(0)).Parameters).toBe("1.23M");
  });

  it("sorts by trial number, or by total score with failed trials last", async () => {
    render(<TrialGallery trials={TRIALS} bestTrial={2} run="digits_simple_1" />);
    const order = () => cards().map((card) => Number(card.dataset.trial));
    expect(order()).toEqual([0, 1, 2, 3]);
    await userEvent.selectOptions(screen.getByLabelText("Sort by"), "score");
    expect(order()).toEqual([3, 2, 0, 1]);
  });

  it("opens each trial's page, in every state, from its card", () => {
    render(<TrialGallery trials={TRIALS} bestTrial={2} run="digits simple/1" />);
    for (const number of [0, 1, 2, 3]) {
      const link = within(cardOf(number)).getByRole("link", { name: `Trial ${number}` });
      expect(link.getAttribute("href")).toBe(`/trial?run=digits+simple%2F1&n=${number}`);
    }
  });

  it("says so when no trial has finished", () => {
    render(<TrialGallery trials={[]} bestTrial={null} run="digits_simple_1" />);
    expect(screen.queryAllByTestId("trial-card")).toHaveLength(0);
    expect(screen.getByTestId("trial-gallery").textContent).toContain("No trial has finished yet.");
  });
});
