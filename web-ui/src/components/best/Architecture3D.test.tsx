import { act, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { LayerNode } from "./architecture";
import { Architecture3D } from "./Architecture3D";
import {
  type ArchitectureVisualization,
  type BoxSpec,
  type ForwardSignal,
  type LayerVisualization,
  mixWithWhite,
  PULSE_STEP_MS,
} from "./architecture3d";

// jsdom has no WebGL, so the real scene cannot start here (the browser test covers it). This
// stand-in records what the component asks of the scene; `failStart` makes it throw as
// three.js does when no context can be created.
interface SceneRecord {
  boxes: readonly BoxSpec[];
  ring: (string | null)[];
  pulses: ({ layerId: string; level: number } | null)[];
  colours: string[][];
  disposed: boolean;
}
const fake = vi.hoisted(() => ({
  failStart: false,
  instances: [] as SceneRecord[],
  hit: null as { layerId: string; direction: "forward" | "backward" | null } | null,
}));
vi.mock("./scene3d", () => ({
  ArchitectureScene: class {
    private record: SceneRecord;
    constructor(_canvas: HTMLCanvasElement, boxes: readonly BoxSpec[]) {
      if (fake.failStart) throw new Error("Error creating WebGL context.");
      this.record = { boxes, ring: [], pulses: [], colours: [], disposed: false };
      fake.instances.push(this.record);
    }
    setRing(layerId: string | null) {
      this.record.ring.push(layerId);
    }
    setPulse(pulse: { layerId: string; level: number } | null) {
      this.record.pulses.push(pulse);
    }
    setColours(boxes: readonly BoxSpec[]) {
      this.record.colours.push(boxes.map((box) => box.color));
    }
    setHovered() {}
    hit() {
      return fake.hit;
    }
    screenPoint(layerId: string) {
      return layerId === "conv_0" ? { x: 10, y: 20 } : null;
    }
    resetView() {}
    dispose() {
      this.record.disposed = true;
    }
  },
}));

function layer(
  layer_id: string,
  category: string,
  position_z: number,
  overrides: Partial<LayerVisualization> = {},
): LayerVisualization {
  return {
    layer_id,
    layer_type: "Layer",
    category,
    label: layer_id,
    position_z,
    width: 2,
    height: 2,
    depth: 1,
    parameters: 100,
    filters: null,
    kernel_size: null,
    units: null,
    color_intensity: 0.5,
    opacity: 0.95,
    output_shape: null,
    bidirectional: false,
    ...overrides,
  };
}

const visualization: ArchitectureVisualization = {
  architecture_type: "CNN",
  layers: [
    layer("conv_0", "convolution", 0, { layer_type: "Conv2D", output_shape: [null, 26, 26, 8] }),
    layer("pool_0", "pooling", 1.5),
    layer("dense", "linear", 3),
  ],
  total_parameters: 300,
  model_depth: 3,
  max_layer_width: 2,
  max_layer_height: 2,
  performance_score: 0.9,
  health_score: 0.7,
  performance_color: "#16a34a",
  health_color: "#eab308",
};

function node(id: string, category: string, color: string): LayerNode {
  return { id, label: id, type: "Layer", category, parameters: 100, pct_of_total: 0, color };
}

const nodes = [
  node("input", "input", "#6b7280"),
  node("conv_0", "convolution", "#2563eb"),
  node("pool_0", "pooling", "#0891b2"),
  node("dense", "linear", "#16a34a"),
  node("output", "output", "#111827"),
];
const legend = [
  { category: "input", label: "Input", color: "#6b7280" },
  { category: "convolution", label: "Convolution", color: "#2563eb" },
  { category: "pooling", label: "Pooling", color: "#0891b2" },
  { category: "linear", label: "Linear", color: "#16a34a" },
  { category: "output", label: "Output", color: "#111827" },
];

const rms: ForwardSignal = {
  measure: "activation_rms",
  title: "Activation RMS on the probe batch",
  description: "Root-mean-square activation at the end of epoch 2.",
  epoch: 1,
  values: { conv_0: 0.2, dense: 0.8 },
  intensities: { conv_0: 0.25, dense: 1 },
};
const timeShare: ForwardSignal = {
  measure: "forward_time_share",
  title: "Share of forward time (profiler)",
  description: "Each layer's share of the forward pass on epoch 2.",
  epoch: 1,
  values: { conv_0: 70, pool_0: 10, dense: 20 },
  intensities: { conv_0: 1, pool_0: 10 / 70, dense: 20 / 70 },
};

function show(
  props: Partial<Parameters<typeof Architecture3D>[0]> = {},
): ReturnType<typeof render> {
  return render(
    <Architecture3D
      visualization={visualization}
      signals={[]}
      nodes={nodes}
      legend={legend}
      name="run_a"
      selectedId={null}
      onSelect={() => {}}
      {...props}
    />,
  );
}

async function ready() {
  const view = await screen.findByTestId("architecture-3d");
  await vi.waitFor(() => expect(view.getAttribute("data-state")).toBe("ready"));
  return view;
}

const innerWidth = window.innerWidth;

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  window.innerWidth = innerWidth;
  fake.failStart = false;
  fake.instances.length = 0;
  fake.hit = null;
});

describe("Architecture3D without WebGL (jsdom as it is)", () => {
  it("shows a readable fallback instead of a canvas", async () => {
    show();
    const fallback = await screen.findByTestId("architecture-3d-fallback");
    expect(fallback.textContent).toContain("This browser cannot run WebGL");
    const view = screen.getByTestId("architecture-3d");
    expect(view.getAttribute("data-state")).toBe("fallback");
    expect(view.getAttribute("data-ring-layer-id")).toBeNull();
    expect(view.getAttribute("data-layer-count")).toBe("3");
    expect(screen.getByTestId("architecture-3d-canvas").closest("[hidden]")).not.toBeNull();
    expect(screen.queryByTestId("play-forward")).toBeNull();
    expect(fake.instances).toHaveLength(0);
  });

  it("tells a phone it needs a wider screen", async () => {
    window.innerWidth = 390;
    show();
    const fallback = await screen.findByTestId("architecture-3d-fallback");
    expect(fallback.textContent).toContain("The 3D view needs a wider screen");
  });
});

describe("Architecture3D with WebGL", () => {
  beforeEach(() => {
    vi.stubGlobal("WebGLRenderingContext", class {});
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({
      getExtension: () => null,
    } as unknown as RenderingContext);
  });

  it("falls back when the renderer cannot start after all", async () => {
    fake.failStart = true;
    show();
    const fallback = await screen.findByTestId("architecture-3d-fallback");
    expect(fallback.textContent).toContain("This browser cannot run WebGL");
  });

  it("draws the boxes, exposes the test hook and cleans up on unmount", async () => {
    const { unmount } = show();
    await ready();
    expect(fake.instances).toHaveLength(1);
    const drawn = fake.instances[0].boxes.map((box) => box.layerId);
    expect(drawn).toEqual(["conv_0", "pool_0", "dense"]);
    expect(window.__healthopt3d?.screenPoint("conv_0")).toEqual({ x: 10, y: 20 });
    unmount();
    expect(fake.instances[0].disposed).toBe(true);
    expect(window.__healthopt3d).toBeUndefined();
  });

  it("counts a bidirectional layer's two boxes, one per direction", async () => {
    const lstm = {
      ...visualization,
      layers: [
        layer("embedding", "embedding", 0),
        layer("bi_lstm", "recurrent", 2, { layer_type: "Bidirectional", bidirectional: true }),
      ],
    };
    show({ visualization: lstm });
    const view = await ready();
    expect(view.getAttribute("data-layer-count")).toBe("3");
    const halves = fake.instances[0].boxes.filter((box) => box.layerId === "bi_lstm");
    expect(halves.map((box) => box.direction)).toEqual(["forward", "backward"]);

    fake.hit = { layerId: "bi_lstm", direction: "backward" };
    fireEvent.pointerMove(screen.getByTestId("architecture-3d-canvas"), { clientX: 5, clientY: 5 });
    expect(screen.getByTestId("layer-tooltip").textContent).toContain("Direction: backward");
  });

  it("shows the legend of the categories drawn in 3D only", async () => {
    show();
    await ready();
    const items = within(screen.getByTestId("architecture-legend")).getAllByTestId("legend-item");
    expect(items.map((item) => item.textContent)).toEqual(["Convolution", "Pooling", "Linear"]);
  });

  it("recolours by performance and health with a note of the score", async () => {
    const user = userEvent.setup();
    show();
    await ready();
    const modes = screen.getByTestId("colour-mode");
    await user.click(within(modes).getByLabelText("Health"));
    expect(screen.getByTestId("colour-note").textContent).toContain("Health score 0.70");
    expect(screen.queryByTestId("architecture-legend")).toBeNull();
    const colours = fake.instances[0].colours;
    // Every layer has color_intensity 0.5: the health colour, 35 % of the way to white.
    expect(new Set(colours.at(-1))).toEqual(new Set([mixWithWhite("#eab308", 0.35)]));
    await user.click(within(modes).getByLabelText("Performance"));
    expect(screen.getByTestId("colour-note").textContent).toContain("Performance (accuracy) 0.90");
  });

  it("puts the ring on the selected layer and selects the clicked box", async () => {
    const onSelect = vi.fn();
    const { rerender } = show({ onSelect });
    const view = await ready();
    expect(view.getAttribute("data-ring-layer-id")).toBeNull();
    rerender(
      <Architecture3D
        visualization={visualization}
        signals={[]}
        nodes={nodes}
        legend={legend}
        name="run_a"
        selectedId="pool_0"
        onSelect={onSelect}
      />,
    );
    expect(view.getAttribute("data-ring-layer-id")).toBe("pool_0");
    expect(fake.instances[0].ring.at(-1)).toBe("pool_0");

    fake.hit = { layerId: "dense", direction: null };
    const canvas = screen.getByTestId("architecture-3d-canvas");
    fireEvent.pointerDown(canvas, { clientX: 50, clientY: 50 });
    fireEvent.pointerUp(canvas, { clientX: 51, clientY: 50 });
    expect(onSelect).toHaveBeenLastCalledWith("dense");
    // A drag orbits the camera: no selection.
    fireEvent.pointerDown(canvas, { clientX: 50, clientY: 50 });
    fireEvent.pointerUp(canvas, { clientX: 120, clientY: 80 });
    expect(onSelect).toHaveBeenCalledTimes(1);
  });

  it("shows the hovered layer's facts in a tooltip", async () => {
    show();
    await ready();
    fake.hit = { layerId: "conv_0", direction: null };
    fireEvent.pointerMove(screen.getByTestId("architecture-3d-canvas"), {
      clientX: 30,
      clientY: 40,
    });
    const tooltip = screen.getByTestId("layer-tooltip");
    expect(tooltip.textContent).toContain("conv_0");
    expect(tooltip.textContent).toContain("(None, 26, 26, 8)");
    expect(tooltip.textContent).toContain("Parameters: 100");
    fake.hit = null;
    fireEvent.pointerMove(screen.getByTestId("architecture-3d-canvas"), {
      clientX: 300,
      clientY: 300,
    });
    expect(screen.queryByTestId("layer-tooltip")).toBeNull();
  });

  it("disables Play without a signal and says why", async () => {
    show({ signals: [] });
    await ready();
    const play = screen.getByTestId("play-forward") as HTMLButtonElement;
    expect(play.disabled).toBe(true);
    const caption = document.getElementById(play.getAttribute("aria-describedby") ?? "");
    expect(caption?.textContent).toContain("recorded no per-layer activations or timings");
    expect(screen.queryByTestId("signal-measure")).toBeNull();
  });

  it("plays the pulse through the layers by the named signal, then returns the ring", async () => {
    show({ signals: [timeShare, rms], selectedId: "dense" });
    const view = await ready();
    const caption = screen.getByTestId("signal-caption");
    expect(caption.textContent).toContain("Activation RMS on the probe batch");
    expect(caption.textContent).toContain("Not measured: pool_0.");
    expect(view.getAttribute("data-ring-layer-id")).toBe("dense");

    vi.useFakeTimers();
    fireEvent.click(screen.getByTestId("play-forward"));
    const rings = [view.getAttribute("data-ring-layer-id")];
    expect(screen.getByTestId("pulse-readout").textContent).toBe("conv_0: 0.200");
    for (let step = 0; step < 3; step++) {
      act(() => vi.advanceTimersByTime(PULSE_STEP_MS));
      rings.push(view.getAttribute("data-ring-layer-id"));
    }
    expect(rings).toEqual(["conv_0", "pool_0", "dense", "dense"]);
    const pulses = fake.instances[0].pulses.filter((pulse) => pulse !== null);
    expect(pulses).toEqual([
      { layerId: "conv_0", level: 0.25 },
      { layerId: "dense", level: 1 },
    ]);
    expect(fake.instances[0].pulses.at(-1)).toBeNull();
    expect(screen.getByTestId("play-forward").textContent).toContain("Play");
  });

  it("switches the signal with the measure select", async () => {
    show({ signals: [rms, timeShare] });
    await ready();
    fireEvent.change(screen.getByTestId("signal-measure"), {
      target: { value: "forward_time_share" },
    });
    const caption = screen.getByTestId("signal-caption");
    expect(caption.textContent).toContain("Share of forward time (profiler)");
    expect(caption.textContent).not.toContain("Not measured");
  });
});
