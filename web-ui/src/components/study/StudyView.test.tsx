import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { StudyStatus } from "@/lib/api/types";
import { STUDY_POLL_MS } from "@/lib/useStudyStatus";
import { installFakeApi, pathOf } from "@/testing/fakeApi";
import { modeProgress, studyResults, studyStatus } from "@/testing/studyFixtures";

import { StudyView } from "./StudyView";

const api = installFakeApi();
const STATUS_PATH = "/comparison-study/study_digits_1/status";

/** Answers status requests with `statuses` in turn (the last one from then on). */
function serveStatuses(statuses: StudyStatus[]) {
  let next = 0;
  api.answer((request) => {
    const path = pathOf(request);
    if (path === STATUS_PATH) return Response.json(statuses[Math.min(next++, statuses.length - 1)]);
    if (path.endsWith("/results")) return Response.json(studyResults());
    if (path.endsWith("/cancel"))
      return Response.json(studyStatus({ state: "cancelled", error: "cancelled by request" }));
    return new Response(new Uint8Array([0x89]));
  });
}

function statusRequests(): number {
  return api.requests.filter((request) => pathOf(request) === STATUS_PATH).length;
}

async function waitPolls(times = 1) {
  for (let i = 0; i < times; i++) await act(() => vi.advanceTimersByTimeAsync(STUDY_POLL_MS));
}

describe("StudyView", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    URL.createObjectURL = vi.fn(() => "blob:figure");
    URL.revokeObjectURL = vi.fn();
  });

  afterEach(() => vi.useRealTimers());

  it("polls while the study runs, then shows its results and stops asking", async () => {
    serveStatuses([
      studyStatus({ accuracy_only_progress: modeProgress({ runs_completed: 1 }) }),
      studyStatus({ accuracy_only_progress: modeProgress({ runs_completed: 2 }) }),
      studyStatus({
        phase: "analyzed",
        state: "completed",
        best_models_selected: true,
        results_available: true,
        report_available: true,
        accuracy_only_progress: modeProgress({ runs_completed: 3 }),
      }),
    ]);
    render(<StudyView studyId="study_digits_1" />);
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(screen.getByTestId("mode-runs-accuracy_only").textContent).toBe("1 / 3");
    expect(screen.getByTestId("study-cancel-button")).toBeTruthy();
    await waitPolls();
    expect(screen.getByTestId("mode-runs-accuracy_only").textContent).toBe("2 / 3");
    await waitPolls();
    expect(screen.getByTestId("mode-runs-accuracy_only").textContent).toBe("3 / 3");
    expect(screen.queryByTestId("study-cancel-button")).toBeNull();
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(screen.getByTestId("study-verdict")).toBeTruthy();
    const asked = statusRequests();
    await waitPolls(4);
    expect(statusRequests()).toBe(asked);
  });

  it("keeps asking between phase 1a and an analysis requested up front", async () => {
    const requested = {
      modules_requested: ["generalization"],
      modules_completed: [],
      current_module: null,
    };
    serveStatuses([
      studyStatus({
        phase: "built",
        state: "completed",
        best_models_selected: true,
        analysis: requested,
      }),
      studyStatus({ phase: "analyzing", state: "running", analysis: requested }),
    ]);
    render(<StudyView studyId="study_digits_1" />);
    await act(() => vi.advanceTimersByTimeAsync(0));
    await waitPolls();
    expect(screen.getByTestId("analysis-progress")).toBeTruthy();
    expect(screen.getByTestId("analysis-current").textContent).toBe("starting");
  });

  it("cancels a running study and shows why it stopped", async () => {
    serveStatuses([studyStatus()]);
    render(<StudyView studyId="study_digits_1" />);
    await act(() => vi.advanceTimersByTimeAsync(0));
    fireEvent.click(screen.getByTestId("study-cancel-button"));
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(screen.getByTestId("study-state").dataset.state).toBe("cancelled");
    expect(screen.getByTestId("study-error").textContent).toBe("cancelled by request");
    expect(screen.queryByTestId("study-cancel-button")).toBeNull();
  });

  it("says so when the study does not exist, and stops asking", async () => {
    api.answer(() => Response.json({ detail: "no study nope" }, { status: 404 }));
    render(<StudyView studyId="nope" />);
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(screen.getByRole("alert").textContent).toContain("no study nope");
    await waitPolls(3);
    expect(api.requests).toHaveLength(1);
  });
});
