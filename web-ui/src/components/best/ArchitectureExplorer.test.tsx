import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import type { BestModel } from "@/lib/api/types";

import { ArchitectureExplorer } from "./ArchitectureExplorer";

// Cytoscape needs a canvas, which jsdom lacks: stand in for the graph and record what the
// explorer tells it to select.
const graphProps = vi.hoisted(() => ({ selectedId: null as string | null }));
vi.mock("./ArchitectureGraph", () => ({
  ArchitectureGraph: ({ selectedId }: { selectedId: string | null }) => {
    graphProps.selectedId = selectedId;
    return <div data-testid="architecture-graph" />;
  },
}));

function node(id: string, category: string, parameters: number, color: string) {
  const pct_of_total = parameters / 5;
  const data = { id, label: id, type: id, category, parameters, pct_of_total, color };
  return { data, classes: category };
}

function box(layer_id: string, category: string, position_z: number, parameters: number) {
  return {
    layer_id,
    layer_type: "Dense",
    category,
    label: layer_id,
    position_z,
    width: 2,
    height: 1.5,
    depth: 1,
    parameters,
    filters: null,
    kernel_size: null,
    units: null,
    color_intensity: 0.5,
    opacity: 0.95,
    output_shape: null,
    bidirectional: false,
  };
}

const best = {
  architecture: {
    cytoscape: {
      elements: [
        node("dense", "linear", 400, "#16a34a"),
        node("drop", "dropout", 0, "#94a3b8"),
        node("predictions", "linear", 100, "#16a34a"),
        { data: { id: "e1", source: "dense", target: "drop" } },
        { data: { id: "e2", source: "drop", target: "predictions" } },
      ],
      legend: [
        { category: "linear", label: "Linear", color: "#16a34a" },
        { category: "dropout", label: "Dropout", color: "#94a3b8" },
        { category: "convolution", label: "Convolution", color: "#2563eb" },
      ],
    },
    visualization: {
      architecture_type: "Generic",
      layers: [
        box("dense", "linear", 0, 400),
        box("drop", "dropout", 1.5, 0),
        box("predictions", "linear", 3, 100),
      ],
      total_parameters: 500,
      model_depth: 3,
      max_layer_width: 2,
      max_layer_height: 1.5,
      performance_score: 0.9,
      health_score: 0.6,
      performance_color: "#16a34a",
      health_color: "#eab308",
    },
    forward_signals: [],
  },
  architecture_svg_url: "/jobs/job-1/best-model/architecture.svg",
  architecture_pdf_url: null,
  layer_health: {
    dense: {
      weight_health: 0.5,
      alpha: 7.25,
      spectral_status: "under-trained",
      dead_fraction: 0.3,
      saturated_fraction: 0.05,
      issues: ["Dead units"],
    },
  },
  diagnostics: {
    issue_count: 2,
    issues: [
      {
        check: "dead_neurons",
        severity: "critical",
        category: "activations",
        title: "Dead units",
        description: "30% of the units never fire.",
        suggestion: "Try LeakyReLU.",
        layer_id: "dense",
      },
      {
        check: "carbon",
        severity: "info",
        category: "sustainability",
        title: "Carbon footprint",
        description: "",
        suggestion: "",
        layer_id: null,
      },
    ],
  },
} as unknown as BestModel;

describe("ArchitectureExplorer", () => {
  it("shows a legend of the categories present only", () => {
    render(<ArchitectureExplorer best={best} name="run_a" />);
    const items = within(screen.getByTestId("architecture-legend")).getAllByTestId("legend-item");
    expect(items.map((item) => item.textContent)).toEqual(["Linear", "Dropout"]);
  });

  it("selects a layer from the keyboard list and shows its details", async () => {
    const user = userEvent.setup();
    render(<ArchitectureExplorer best={best} name="run_a" />);
    expect(screen.queryByTestId("node-details")).toBeNull();

    const buttons = screen.getAllByTestId("layer-button");
    expect(buttons.map((button) => button.getAttribute("data-layer-id"))).toEqual([
      "dense",
      "drop",
      "predictions",
    ]);
    buttons[0].focus();
    await user.keyboard("{Enter}");

    expect(buttons[0].getAttribute("aria-pressed")).toBe("true");
    expect(graphProps.selectedId).toBe("dense");
    const details = screen.getByTestId("node-details");
    expect(details.textContent).toContain("80.0%");
    expect(details.textContent).toContain("7.25 (under-trained)");
    expect(details.textContent).toContain("30.0%");
    expect(details.textContent).toContain("Try LeakyReLU.");
    expect(details.textContent).not.toContain("Carbon footprint");
  });

  it("shows the 3D view beside the graph on demand", async () => {
    const user = userEvent.setup();
    render(<ArchitectureExplorer best={best} name="run_a" />);
    const toggle = screen.getByTestId("view-3d-toggle");
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
    expect(screen.queryByTestId("architecture-3d")).toBeNull();

    await user.click(toggle);
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    const view = screen.getByTestId("architecture-3d");
    expect(view.getAttribute("data-layer-count")).toBe("3");
    // jsdom has no WebGL: the panel explains itself and the graph stays.
    expect((await screen.findByTestId("architecture-3d-fallback")).textContent).toContain(
      "This browser cannot run WebGL",
    );
    expect(screen.getByTestId("architecture-graph")).toBeTruthy();

    await user.click(toggle);
    expect(screen.queryByTestId("architecture-3d")).toBeNull();
  });

  it("offers the SVG and PDF diagrams, disabled with the reason until they exist", () => {
    render(<ArchitectureExplorer best={best} name="run_a" />);
    const svg = screen.getByTestId("download-architecture-svg") as HTMLButtonElement;
    const pdf = screen.getByTestId("download-architecture-pdf") as HTMLButtonElement;
    expect(svg.disabled).toBe(false);
    expect(pdf.disabled).toBe(true);
    const hint = document.getElementById(pdf.getAttribute("aria-describedby") ?? "");
    expect(hint?.textContent).toContain("No diagram");
  });
});
