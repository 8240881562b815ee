import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { TrialSummary } from "@/lib/api/types";
import type { LoadTrialPage, PageQuery } from "@/lib/trialPages";
import { sortTrials } from "@/lib/trials";

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

/** The API's trial list over an array: pages cut as the server cuts them (its order rule is
 * `sortTrials`'), every query recorded. */
function served(trials: TrialSummary[]): { load: LoadTrialPage; asked: PageQuery[] } {
  const asked: PageQuery[] = [];
  const load: LoadTrialPage = async (query) => {
    asked.push(query);
    const ordered = sortTrials(trials, query.order);
    const end = query.offset + query.limit;
    return {
      total: ordered.length,
      offset: query.offset,
      trials: ordered.slice(query.offset, end),
      next_offset: end < ordered.length ? end : null,
    };
  };
  return { load, asked };
}

function showGallery(trials: TrialSummary[], bestTrial: number | null, run = "digits_simple_1") {
  const source = served(trials);
  render(<TrialGallery loadPage={source.load} bestTrial={bestTrial} run={run} />);
  return source;
}

function cards(): HTMLElement[] {
  return screen.queryAllByTestId("trial-card");
}

function cardOf(number: number): HTMLElement {
  return cards().find((card) => card.dataset.trial === String(number))!;
}

async function shown(count: number): Promise<void> {
  await waitFor(() => expect(cards()).toHaveLength(count));
}

beforeEach(() => {
  // The virtualizer scrolls the window to where it is when it attaches; jsdom has no scrolling.
  vi.spyOn(window, "scrollTo").mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("TrialGallery", () => {
  it("highlights the trial it is given as best, and only that one", async () => {
    showGallery(TRIALS, 2);
    await shown(4);
    const best = cards().filter((card) => card.dataset.best === "true");
    expect(best.map((card) => card.dataset.trial)).toEqual(["2"]);
    expect(within(cardOf(2)).getByText("Best")).toBeTruthy();
  });

  it("shows a failed trial's reason instead of its metrics", async () => {
    showGallery(TRIALS, 2);
    await shown(4);
    const failed = cardOf(1);
    expect(failed.dataset.state).toBe("FAIL");
    expect(within(failed).getByTestId("trial-error").textContent).toBe(
      "ResourceExhaustedError: out of memory",
    );
    expect(within(failed).queryByText("Total score")).toBeNull();
    expect(screen.getAllByTestId("trial-error")).toHaveLength(1);
  });

  it("marks pruned trials with a badge and who stopped them at which epoch", async () => {
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
    showGallery([...TRIALS, ...pruned], 3);
    await shown(6);
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

  it("formats accuracy and health as percents, the score to four places, parameters compactly", async () => {
    showGallery(TRIALS, 2);
    await shown(4);
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

  it("sorts by trial number, or by total score with failed trials last, as the pages come", async () => {
    const source = showGallery(TRIALS, 2);
    await shown(4);
    const order = () => cards().map((card) => Number(card.dataset.trial));
    expect(order()).toEqual([0, 1, 2, 3]);
    await userEvent.selectOptions(screen.getByLabelText("Sort by"), "score");
    await waitFor(() => expect(order()).toEqual([3, 2, 0, 1]));
    expect(source.asked.map((query) => query.order)).toEqual(["number", "score"]);
  });

  it("opens each trial's page, in every state, from its card", async () => {
    showGallery(TRIALS, 2, "digits simple/1");
    await shown(4);
    for (const number of [0, 1, 2, 3]) {
      const link = within(cardOf(number)).getByRole("link", { name: `Trial ${number}` });
      expect(link.getAttribute("href")).toBe(`/trial?run=digits+simple%2F1&n=${number}`);
    }
  });

  it("says so when no trial has finished", async () => {
    showGallery([], null);
    await waitFor(() =>
      expect(screen.getByTestId("trial-gallery").textContent).toContain(
        "No trial has finished yet.",
      ),
    );
    expect(cards()).toHaveLength(0);
  });

  it("reads the cards in view again when a trial finishes, keeping the old ones meanwhile", async () => {
    const live = [...TRIALS];
    const source = served(live);
    let answer: () => void = () => {};
    const held: LoadTrialPage = (query) =>
      new Promise((resolve) => {
        answer = () => resolve(source.load(query));
      });
    const first = render(
      <TrialGallery loadPage={held} refreshKey={4} bestTrial={2} run="digits_simple_1" />,
    );
    act(() => answer());
    await shown(4);
    live.push(trial(4, { total_score: 0.5 }));
    first.rerender(
      <TrialGallery loadPage={held} refreshKey={5} bestTrial={2} run="digits_simple_1" />,
    );
    expect(cards()).toHaveLength(4); // still the old page while the new one is read
    act(() => answer());
    await shown(5);
    expect(screen.getByTestId("trial-gallery").dataset.total).toBe("5");
    expect(source.asked.map((query) => query.offset)).toEqual([0, 0]);
  });

  it("shows the first trial of a run that had none when it finishes", async () => {
    const live: TrialSummary[] = [];
    const source = served(live);
    const first = render(
      <TrialGallery loadPage={source.load} refreshKey={0} bestTrial={null} run="r" />,
    );
    await screen.findByText("No trial has finished yet.");
    live.push(trial(0));
    first.rerender(<TrialGallery loadPage={source.load} refreshKey={1} bestTrial={0} run="r" />);
    await shown(1);
    expect(screen.queryByText("No trial has finished yet.")).toBeNull();
  });

  it("says why the trials did not load, and loads them on retry", async () => {
    const source = served(TRIALS);
    let fail = true;
    const load: LoadTrialPage = (query) =>
      fail ? Promise.reject(new Error("the API is down")) : source.load(query);
    render(<TrialGallery loadPage={load} bestTrial={null} run="digits_simple_1" />);
    expect(await screen.findByText(/the API is down/)).toBeTruthy();
    fail = false;
    await userEvent.click(screen.getByRole("button", { name: /retry/i }));
    await shown(4);
  });
});

describe("TrialGallery with a thousand trials", () => {
  const ROW_PX = 200; // every row of cards, as the browser would measure it
  const THOUSAND = Array.from({ length: 1000 }, (_, n) => trial(n, { total_score: n / 1000 }));

  afterEach(() => {
    Object.defineProperty(window, "scrollY", { value: 0, configurable: true });
  });

  function withMeasuredRows(): void {
    // jsdom lays nothing out: give the rows a height and let the grid move up as the window
    // scrolls, as a browser would.
    vi.spyOn(HTMLElement.prototype, "offsetHeight", "get").mockImplementation(function (
      this: HTMLElement,
    ) {
      return this.classList.contains("trial-grid-row") ? ROW_PX : 0;
    });
    vi.spyOn(Element.prototype, "getBoundingClientRect").mockImplementation(function (
      this: Element,
    ) {
      const top = this.getAttribute("data-testid") === "trial-gallery" ? -window.scrollY : 0;
      return DOMRect.fromRect({ x: 0, y: top, width: 1000, height: 0 });
    });
  }

  it("puts only the cards near the viewport in the page, and reads only their page", async () => {
    withMeasuredRows();
    const source = showGallery(THOUSAND, 999);
    await waitFor(() => expect(cards().length).toBeGreaterThan(0));
    const numbers = cards().map((card) => Number(card.dataset.trial));
    expect(numbers[0]).toBe(0);
    expect(numbers.length).toBeLessThan(40); // 768 px of window, 3 rows of overscan
    expect(source.asked).toEqual([{ offset: 0, limit: 60, order: "number" }]);
    const gallery = screen.getByTestId("trial-gallery");
    expect(gallery.dataset.total).toBe("1000");
    // About as tall as all 334 rows of 3 (rows not yet drawn count at an estimate near
    // ROW_PX): the scrollbar reflects every trial.
    expect(parseFloat(gallery.style.height)).toBeGreaterThan(334 * 0.9 * ROW_PX);
    expect(cardOf(0).getAttribute("aria-setsize")).toBe("1000");
  });

  it("shows the last trial at the end of the page, reading the pages on the way", async () => {
    withMeasuredRows();
    const source = showGallery(THOUSAND, 999);
    await waitFor(() => expect(cards().length).toBeGreaterThan(0));
    const height = parseFloat(screen.getByTestId("trial-gallery").style.height);
    act(() => {
      Object.defineProperty(window, "scrollY", { value: height - 768, configurable: true });
      window.dispatchEvent(new Event("scroll"));
    });
    await waitFor(() => expect(cardOf(999)).toBeTruthy());
    const numbers = cards().map((card) => Number(card.dataset.trial));
    expect(numbers).not.toContain(0);
    expect(numbers.length).toBeLessThan(40);
    expect(cardOf(999).dataset.best).toBe("true");
    expect(source.asked.map((query) => query.offset)).toEqual([0, 960]);
  });
});
