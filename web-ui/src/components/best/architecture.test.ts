import { describe, expect, it } from "vitest";

import type { ArchitectureView } from "@/lib/api/types";

import {
  type LayerNode,
  MAX_NODE_SIZE,
  MIN_NODE_SIZE,
  nodeSize,
  presentLegend,
  readArchitecture,
  snakeColumns,
  snakePositions,
} from "./architecture";

function layer(id: string, category: string, parameters = 0, color = "#000000"): LayerNode {
  return { id, label: id, type: "Layer", category, parameters, pct_of_total: 0, color };
}

function endpoint(id: "input" | "output", color: string) {
  const title = id === "input" ? "Input" : "Output";
  return {
    data: { id, label: title, type: title, category: id, parameters: 0, color },
    classes: id,
  };
}

// Only the graph is read; the 3D view is left out.
const architecture = {
  cytoscape: {
    elements: [
      endpoint("input", "#6b7280"),
      {
        data: {
          id: "conv_0",
          label: "Conv2D (16 filters, 5x5)",
          type: "Conv2D",
          category: "convolution",
          parameters: 416,
          pct_of_total: 5.94,
          color: "#2563eb",
        },
        classes: "convolution",
      },
      endpoint("output", "#111827"),
      { data: { id: "e1", source: "input", target: "conv_0" } },
      { data: { id: "e2", source: "conv_0", target: "output" } },
      { data: { id: "dangling", source: "conv_0", target: "missing" } },
    ],
    legend: [
      { category: "input", label: "Input", color: "#6b7280" },
      { category: "convolution", label: "Convolution", color: "#2563eb" },
      { category: "recurrent", label: "Recurrent", color: "#9333ea" },
      { category: "output", label: "Output", color: "#111827" },
    ],
  },
};

describe("readArchitecture", () => {
  it("reads nodes and edges, skipping edges to unknown nodes", () => {
    const graph = readArchitecture(architecture as unknown as ArchitectureView);
    expect(graph.nodes.map((node) => node.id)).toEqual(["input", "conv_0", "output"]);
    expect(graph.nodes[1]).toEqual({
      id: "conv_0",
      label: "Conv2D (16 filters, 5x5)",
      type: "Conv2D",
      category: "convolution",
      parameters: 416,
      pct_of_total: 5.94,
      color: "#2563eb",
    });
    expect(graph.nodes[0].pct_of_total).toBeUndefined();
    expect(graph.edges.map((edge) => edge.id)).toEqual(["e1", "e2"]);
  });

  it("keeps only the legend entries of categories the graph draws", () => {
    const legend = readArchitecture(architecture as unknown as ArchitectureView).legend;
    expect(legend.map((entry) => entry.category)).toEqual(["input", "convolution", "output"]);
  });

  it("is empty when the trial has no architecture view", () => {
    expect(readArchitecture(null)).toEqual({ nodes: [], edges: [], legend: [] });
  });
});

describe("presentLegend", () => {
  it("lists each present category once, in order of first appearance", () => {
    const nodes = [layer("a", "linear"), layer("b", "dropout"), layer("c", "linear")];
    const legend = [
      { category: "dropout", label: "Dropout", color: "#94a3b8" },
      { category: "linear", label: "Linear", color: "#16a34a" },
      { category: "attention", label: "Attention", color: "#ea580c" },
    ];
    expect(presentLegend(legend, nodes)).toEqual([
      { category: "linear", label: "Linear", color: "#16a34a" },
      { category: "dropout", label: "Dropout", color: "#94a3b8" },
    ]);
  });

  it("falls back to the node's colour for a category the server did not list", () => {
    const nodes = [layer("emb", "positional_embedding", 10, "#f472b6")];
    expect(presentLegend([], nodes)).toEqual([
      { category: "positional_embedding", label: "Positional Embedding", color: "#f472b6" },
    ]);
  });
});

describe("nodeSize", () => {
  it("gives parameter-free layers the minimum size and the largest layer the maximum", () => {
    expect(nodeSize(0, 6416)).toBe(MIN_NODE_SIZE);
    expect(nodeSize(6416, 6416)).toBe(MAX_NODE_SIZE);
    expect(nodeSize(0, 0)).toBe(MIN_NODE_SIZE);
  });

  it("grows with the square root of the share of the largest layer", () => {
    // A quarter of the parameters: sqrt(0.25) = half way between the two sizes.
    expect(nodeSize(1000, 4000)).toBe(Math.round((MIN_NODE_SIZE + MAX_NODE_SIZE) / 2));
    expect(nodeSize(416, 6416)).toBe(
      Math.round(MIN_NODE_SIZE + (MAX_NODE_SIZE - MIN_NODE_SIZE) * Math.sqrt(416 / 6416)),
    );
    expect(nodeSize(1, 6416)).toBeGreaterThan(MIN_NODE_SIZE);
  });
});

describe("snakePositions", () => {
  it("runs along the first row, back along the second, and so on", () => {
    const cell = { width: 100, height: 50 };
    expect(snakePositions(["a", "b", "c", "d", "e"], 2, cell)).toEqual({
      a: { x: 0, y: 0 },
      b: { x: 100, y: 0 },
      c: { x: 100, y: 50 },
      d: { x: 0, y: 50 },
      e: { x: 0, y: 100 },
    });
  });

  it("is a single row or column at the extremes", () => {
    const cell = { width: 10, height: 20 };
    expect(Object.values(snakePositions(["a", "b", "c"], 3, cell))).toEqual([
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 20, y: 0 },
    ]);
    expect(Object.values(snakePositions(["a", "b"], 1, cell))).toEqual([
      { x: 0, y: 0 },
      { x: 0, y: 20 },
    ]);
  });
});

describe("snakeColumns", () => {
  const cell = { width: 140, height: 100 };

  it("picks the column count that allows the largest zoom", () => {
    // 12 nodes on a phone (358 x 420): 3 columns of 4 rows, zoom min(0.85, 1.05).
    expect(snakeColumns(12, { width: 358, height: 420 }, cell)).toBe(3);
    // On a desktop (1118 x 420): 4 columns of 3 rows, zoom min(2.0, 1.4).
    expect(snakeColumns(12, { width: 1118, height: 420 }, cell)).toBe(4);
  });

  it("keeps a short chain on one row of a wide viewport", () => {
    expect(snakeColumns(3, { width: 1000, height: 400 }, cell)).toBe(3);
    expect(snakeColumns(1, { width: 300, height: 400 }, cell)).toBe(1);
  });
});
