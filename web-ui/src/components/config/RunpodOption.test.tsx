import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { RunpodCheckbox, RunpodFallbackNote } from "./RunpodOption";

describe("RunpodCheckbox", () => {
  it("is labelled and reports the new choice", async () => {
    const onChange = vi.fn();
    render(<RunpodCheckbox checked={false} testId="runpod" onChange={onChange} />);
    await userEvent.click(screen.getByLabelText("Train on RunPod GPU workers"));
    expect(onChange).toHaveBeenCalledWith(true);
  });
});

const NO_RUNPOD = { runpod_available: false, runpod_problem: null };

describe("RunpodFallbackNote", () => {
  it("says why RunPod falls back to local training when the server has none", () => {
    render(
      <RunpodFallbackNote
        health={{ runpod_available: false, runpod_problem: "RUNPOD_API_KEY is not set" }}
        testId="note"
      />,
    );
    expect(screen.getByTestId("note").textContent).toBe(
      "RunPod is not configured on this server (RUNPOD_API_KEY is not set), so a RunPod run " +
        "falls back to local training.",
    );
  });

  it("leaves out the reason when the server gives none", () => {
    render(<RunpodFallbackNote health={NO_RUNPOD} testId="note" />);
    expect(screen.getByTestId("note").textContent).toBe(
      "RunPod is not configured on this server, so a RunPod run falls back to local training.",
    );
  });

  it("says nothing where RunPod is configured", () => {
    render(<RunpodFallbackNote health={{ ...NO_RUNPOD, runpod_available: true }} testId="note" />);
    expect(screen.queryByTestId("note")).toBeNull();
  });
});
