import { render, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { figureTitle, PlotlyFigure, plotlyFigure } from "./PlotlyFigure";

// plotly.js needs SVG layout that jsdom lacks: stand in for it and record what it is handed.
const plotly = vi.hoisted(() => ({
  react: vi.fn((root: HTMLElement) => {
    root.classList.add("js-plotly-plot");
    return Promise.resolve(root);
  }),
  purge: vi.fn(),
}));
vi.mock("plotly.js-dist-min", () => ({ default: plotly }));

const HISTORY = {
  data: [{ type: "scatter", x: [0, 1, 2], y: [0.5, 0.7, 0.9], name: "Objective Value" }],
  layout: { title: { text: "Optimization History Plot" }, xaxis: { title: { text: "Trial" } } },
};

describe("PlotlyFigure", () => {
  beforeEach(() => {
    plotly.react.mockClear();
    plotly.purge.mockClear();
  });

  it("hands plotly the figure's traces and layout, named by the figure's own title", async () => {
    render(<PlotlyFigure figure={HISTORY} note="Score of each complete trial." />);
    const figure = screen.getByRole("figure", { name: "Optimization History Plot" });
    await waitFor(() => expect(figure.getAttribute("data-state")).toBe("rendered"));
    expect(plotly.react).toHaveBeenCalledTimes(1);
    const [root, data, layout, config] = plotly.react.mock.calls[0] as unknown as [
      HTMLElement,
      unknown[],
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    expect(figure.contains(root)).toBe(true);
    expect(data).toEqual(HISTORY.data);
    expect(layout.title).toEqual({ text: "Optimization History Plot" });
    expect(layout.autosize).toBe(true);
    expect(config).toEqual({ responsive: true, displaylogo: false });
    expect(figure.textContent).toContain("Score of each complete trial.");
  });

  it("prefers the given title as the accessible name", async () => {
    render(<PlotlyFigure figure={HISTORY} title="Optimization history" />);
    expect(screen.getByRole("figure", { name: "Optimization history" })).toBeTruthy();
    await waitFor(() => expect(plotly.react).toHaveBeenCalled());
  });

  it("shows a missing figure's note instead of an empty chart, and never loads plotly", () => {
    render(
      <PlotlyFigure
        figure={null}
        title="Importance for health"
        note="fewer than 2 complete trials measured health"
      />,
    );
    const figure = screen.getByRole("figure", { name: "Importance for health" });
    expect(figure.getAttribute("data-state")).toBe("missing");
    expect(figure.textContent).toContain("fewer than 2 complete trials measured health");
    expect(plotly.react).not.toHaveBeenCalled();
  });

  it("says a missing figure is unavailable when the API gave no reason", () => {
    render(<PlotlyFigure figure={null} title="Pareto front" />);
    expect(screen.getByRole("figure", { name: "Pareto front" }).textContent).toContain(
      "Not available for this run.",
    );
  });

  it("purges the chart when it leaves the page", async () => {
    const { unmount } = render(<PlotlyFigure figure={HISTORY} />);
    await waitFor(() => expect(plotly.react).toHaveBeenCalled());
    const root = plotly.react.mock.calls[0][0];
    unmount();
    expect(plotly.purge).toHaveBeenCalledWith(root);
  });

  it("says why a malformed figure cannot be drawn", async () => {
    render(<PlotlyFigure figure={{ layout: {} }} title="Broken" />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("the figure has no `data` list of traces");
    expect(screen.getByRole("figure", { name: "Broken" }).getAttribute("data-state")).toBe(
      "failed",
    );
    expect(plotly.react).not.toHaveBeenCalled();
  });
});

describe("plotlyFigure", () => {
  it("keeps data and layout, and gives a figure without a layout an empty one", () => {
    expect(plotlyFigure({ data: [] })).toEqual({ data: [], layout: {} });
    expect(plotlyFigure(HISTORY)).toEqual(HISTORY);
  });

  it("names a layout that is not an object", () => {
    expect(() => plotlyFigure({ data: [], layout: 3 })).toThrow("`layout` is not an object");
  });
});

describe("figureTitle", () => {
  it("reads a title given as text or as {text}, without markup", () => {
    expect(figureTitle({ layout: { title: "Plain" } })).toBe("Plain");
    expect(figureTitle({ layout: { title: { text: "Slice<br>view" } } })).toBe("Slice view");
  });

  it("is null for a figure without a title", () => {
    expect(figureTitle(null)).toBeNull();
    expect(figureTitle({ data: [] })).toBeNull();
    expect(figureTitle({ layout: { title: { font: { size: 3 } } } })).toBeNull();
  });
});
