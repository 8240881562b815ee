import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { DiagnosticIssue, LayerHealth } from "@/lib/api/types";

import type { LayerNode } from "./architecture";
import { NodeDetails } from "./NodeDetails";

const conv: LayerNode = {
  id: "conv_1",
  label: "Conv2D (16 filters, 5x5)",
  type: "Conv2D",
  category: "convolution",
  parameters: 6416,
  pct_of_total: 91.6309625821194,
  color: "#2563eb",
};

const health: LayerHealth = {
  weight_health: 0.999991112153726,
  alpha: 2.8174894892110816,
  spectral_status: "ok",
  dead_fraction: 0.125,
  saturated_fraction: 0,
  issues: ["One convolution holds most parameters", "Unmatched layer finding"],
};

const bottleneck: DiagnosticIssue = {
  check: "conv_bottleneck",
  severity: "warning",
  category: "architecture",
  title: "One convolution holds most parameters",
  description: "Convolution 'conv_1' holds 91.6% of all parameters (limit 60%).",
  suggestion: "Use a bottleneck block.",
  layer_id: "conv_1",
};

function value(term: string): string | null {
  const dt = screen.getByText(term, { selector: "dt" });
  return dt.nextElementSibling?.textContent ?? null;
}

describe("NodeDetails", () => {
  it("shows the layer's size, health and issues", () => {
    render(<NodeDetails node={conv} layerHealth={health} issues={[bottleneck]} />);
    const details = screen.getByTestId("node-details");
    expect(within(details).getByRole("heading", { level: 3 }).textContent).toBe(
      "Conv2D (16 filters, 5x5)",
    );
    expect(value("Type")).toBe("Conv2D");
    expect(value("Parameters")).toBe("6,416");
    expect(value("Share of parameters")).toBe("91.6%");
    expect(value("Weight health")).toBe("1.00");
    expect(value("Spectral alpha")).toBe("2.82 (ok)");
    expect(value("Dead units")).toBe("12.5%");
    expect(value("Saturated units")).toBe("0.0%");
    const items = within(details).getAllByRole("listitem").map((item) => item.textContent);
    // The diagnostics issue with its suggestion, then the title no full issue covers; the
    // shared title appears once.
    expect(items).toEqual([
      "warning One convolution holds most parameters" + "Use a bottleneck block.",
      "Unmatched layer finding",
    ]);
  });

  it("says so when a layer has no health figures and no issues", () => {
    const input: LayerNode = {
      ...conv,
      id: "input",
      label: "Input",
      type: "Input",
      parameters: 0,
      pct_of_total: null,
    };
    render(<NodeDetails node={input} layerHealth={undefined} issues={[]} />);
    expect(value("Parameters")).toBe("0");
    expect(value("Share of parameters")).toBe("—");
    expect(screen.getByText(/recorded no health figures for this layer/)).toBeTruthy();
    expect(screen.getByText("No issues for this layer.")).toBeTruthy();
  });
});
