import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { ParetoPoint, ParetoView } from "@/lib/api/types";
import { installFakeApi, pathOf } from "@/testing/fakeApi";

import { ParetoFrontView } from "./ParetoFrontView";

const api = installFakeApi();
const JOB = "0123456789abcdef0123456789abcdef";

function point(
  trial: number,
  accuracy: number,
  health: number,
  extra: Partial<ParetoPoint> = {},
): ParetoPoint {
  return {
    trial,
    val_accuracy: accuracy,
    health,
    test_accuracy: accuracy - 0.02,
    total_score: 0.7 * accuracy + 0.3 * health,
    num_parameters: 12_300,
    on_front: false,
    chosen: false,
    model_url: `/jobs/${JOB}/trials/${trial}/model`,
    ...extra,
  };
}

const VIEW: ParetoView = {
  job_id: JOB,
  run_name: "digits_pareto_run",
  objectives: ["val_accuracy", "health"],
  points: [
    point(0, 0.95, 0.4, { on_front: true }),
    point(1, 0.9, 0.7, { on_front: true, chosen: true }),
    point(2, 0.85, 0.6, { model_url: null }),
    point(3, 0.8, 0.9, { on_front: true }),
  ],
  front: [0, 1, 3],
  chosen_trial: 1,
  rule: "pareto_knee",
  rule_description: "the knee of the front",
};

function serve(status: string | (() => string), pareto: () => Response) {
  api.answer((request) => {
    const path = pathOf(request);
    if (path === `/jobs/${JOB}/status`) {
      return Response.json({ status: typeof status === "string" ? status : status(), job_id: JOB });
    }
    if (path === `/jobs/${JOB}/pareto`) return pareto();
    if (path === `/jobs/${JOB}/plots`) {
      return Response.json({
        plots: [
          {
            trial: 3,
            name: "training_history.png",
            url: `/jobs/${JOB}/plots/3/training_history.png`,
            size_bytes: 9,
          },
        ],
      });
    }
    if (path.endsWith(".png")) return new Response(new Uint8Array([0x89]));
    return undefined;
  });
}

async function settle() {
  await act(() => vi.advanceTimersByTimeAsync(0));
}

describe("ParetoFrontView", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    URL.createObjectURL = vi.fn(() => "blob:plot");
    URL.revokeObjectURL = vi.fn();
  });

  afterEach(() => vi.useRealTimers());

  it("draws every trial, the front and the rule, and opens the chosen trial", async () => {
    serve("completed", () => Response.json(VIEW));
    render(<ParetoFrontView jobId={JOB} />);
    await settle();
    const points = screen.getAllByTestId("pareto-point");
    expect(points.map((p) => p.getAttribute("data-trial")).sort()).toEqual(["0", "1", "2", "3"]);
    const front = points.filter((p) => p.getAttribute("data-front") === "true");
    expect(front.map((p) => p.getAttribute("data-trial")).sort()).toEqual(["0", "1", "3"]);
    const chosen = points.filter((p) => p.getAttribute("data-chosen") === "true");
    expect(chosen.map((p) => p.getAttribute("data-trial"))).toEqual(["1"]);
    // Three members: a staircase of five corners, plus the runs from the left edge and down.
    const line = screen.getByTestId("pareto-front-line").getAttribute("d") ?? "";
    expect(line.match(/[ML]/g)).toHaveLength(7);
    expect(screen.getByTestId("pareto-rule").textContent).toBe(
      "Chosen: trial 1, the knee of the front (pareto_knee).",
    );
    expect(screen.getByTestId("pareto-trial").getAttribute("data-trial")).toBe("1");
    const chosenButton = screen.getByRole("button", { name: /Trial 1: .*chosen/ });
    expect(chosenButton.getAttribute("aria-pressed")).toBe("true");
  });

  it("opens a clicked point's trial with its plots and model download", async () => {
    serve("completed", () => Response.json(VIEW));
    render(<ParetoFrontView jobId={JOB} />);
    await settle();
    fireEvent.click(screen.getByRole("button", { name: /^Trial 3:/ }));
    await settle();
    const details = screen.getByTestId("pareto-trial");
    expect(details.getAttribute("data-trial")).toBe("3");
    expect(details.textContent).toContain("80.00%"); // val accuracy
    expect(details.textContent).toContain("0.9000"); // health
    expect(screen.getByTestId("trial-model-download").hasAttribute("disabled")).toBe(false);
    expect(screen.getByTestId("plot-image").getAttribute("alt")).toBe("Training history (trial 3)");
  });

  it("opens a trial from the keyboard, and says when it kept no model", async () => {
    serve("completed", () => Response.json(VIEW));
    render(<ParetoFrontView jobId={JOB} />);
    await settle();
    fireEvent.keyDown(screen.getByRole("button", { name: /^Trial 2:/ }), { key: "Enter" });
    expect(screen.getByTestId("pareto-trial").getAttribute("data-trial")).toBe("2");
    expect(screen.getByTestId("trial-model-download").hasAttribute("disabled")).toBe(true);
    expect(screen.getByText("This trial kept no model file.")).toBeTruthy();
    expect(screen.getByText("No plots were drawn for this trial.")).toBeTruthy();
  });

  it("shows the server's reason when the job is not a pareto run", async () => {
    const detail = `job ${JOB} ran in simple mode; the Pareto front exists in pareto mode`;
    serve("completed", () => Response.json({ detail }, { status: 404 }));
    render(<ParetoFrontView jobId={JOB} />);
    await settle();
    expect(screen.getByText(detail)).toBeTruthy();
    expect(screen.queryByTestId("pareto-chart")).toBeNull();
  });

  it("waits while a running job has no results, then draws them", async () => {
    let ready = false;
    serve("running", () =>
      ready ? Response.json(VIEW) : Response.json({ detail: "no results yet" }, { status: 404 }),
    );
    render(<ParetoFrontView jobId={JOB} />);
    await settle();
    expect(screen.getByText("Waiting for the first trial to finish…")).toBeTruthy();
    ready = true;
    await act(() => vi.advanceTimersByTimeAsync(4000));
    expect(screen.getAllByTestId("pareto-point")).toHaveLength(4);
  });

  it("follows a running job and reads the front once more when it ends", async () => {
    let status = "running";
    serve(() => status, () => Response.json(VIEW));
    const paretoReads = () =>
      api.requests.filter((r) => pathOf(r) === `/jobs/${JOB}/pareto`).length;
    render(<ParetoFrontView jobId={JOB} />);
    await settle();
    expect(screen.getByText(/The job is still running/)).toBeTruthy();
    await act(() => vi.advanceTimersByTimeAsync(4000));
    expect(paretoReads()).toBe(2);

    status = "completed";
    await act(() => vi.advanceTimersByTimeAsync(4000));
    expect(screen.queryByText(/The job is still running/)).toBeNull();
    const afterEnd = paretoReads();
    expect(afterEnd).toBe(4); // the tick that saw the end, and the read once more
    await act(() => vi.advanceTimersByTimeAsync(3 * 4000));
    expect(paretoReads()).toBe(afterEnd);
  });
});
