import { describe, expect, it } from "vitest";

import {
  type ArchitectureVisualization,
  boundingRadius,
  cameraFraming,
  categoryPalette,
  DIRECTION_GAP,
  defaultSignal,
  FALLBACK_COLOUR,
  fallbackReason,
  type ForwardSignal,
  formatShape,
  isPhoneViewport,
  type LayerVisualization,
  mixWithWhite,
  modeNote,
  type Palette,
  pulseSteps,
  sceneBoxes,
  signalCaption,
  stepReadout,
  tooltipLines,
} from "./architecture3d";

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
    height: 1.5,
    depth: 1,
    parameters: 0,
    filters: null,
    kernel_size: null,
    units: null,
    color_intensity: 1,
    opacity: 0.95,
    output_shape: null,
    bidirectional: false,
    ...overrides,
  };
}

function visualization(
  layers: LayerVisualization[],
  overrides: Partial<ArchitectureVisualization> = {},
): ArchitectureVisualization {
  return {
    architecture_type: "CNN",
    layers,
    total_parameters: layers.reduce((sum, entry) => sum + entry.parameters, 0),
    model_depth: layers.length,
    max_layer_width: Math.max(...layers.map((entry) => entry.width)),
    max_layer_height: Math.max(...layers.map((entry) => entry.height)),
    performance_score: 0.91,
    health_score: 0.55,
    performance_color: "#16a34a",
    health_color: "#f97316",
    ...overrides,
  };
}

function signal(
  measure: ForwardSignal["measure"],
  values: Record<string, number>,
): ForwardSignal {
  const title =
    measure === "activation_rms" ? "Activation RMS on the probe batch" : "Share of forward time";
  const peak = Math.max(...Object.values(values));
  const intensities = Object.fromEntries(
    Object.entries(values).map(([id, value]) => [id, value / peak]),
  );
  const description = "Measured at the end of epoch 3.";
  return { measure, title, description, epoch: 2, values, intensities };
}

const palette: Palette = {
  categories: { convolution: "#2563eb", pooling: "#0891b2", linear: "#16a34a" },
  performance: "#16a34a",
  health: "#f97316",
};

// Sent out of order on purpose: the scene must follow position_z, not the array.
const cnn = visualization([
  layer("dense", "linear", 4, { parameters: 1290, width: 3, color_intensity: 0.4 }),
  layer("conv_0", "convolution", 0, {
    layer_type: "Conv2D",
    label: "Conv2D (32 filters, 3x3)",
    parameters: 320,
    output_shape: [null, 26, 26, 32],
    width: 3.5,
    height: 3.5,
  }),
  layer("pool_0", "pooling", 2, { opacity: 0.75 }),
]);

describe("sceneBoxes", () => {
  it("lays one box per layer along x in z order, centred on the origin", () => {
    const boxes = sceneBoxes(cnn, "category", palette);
    expect(boxes.map((box) => box.layerId)).toEqual(["conv_0", "pool_0", "dense"]);
    // The chain runs from -0.5 (conv_0's back face) to 4.5 (dense's front face): centre 2.
    expect(boxes.map((box) => box.center[0])).toEqual([-2, 0, 2]);
    expect(boxes.every((box) => box.center[1] === 0 && box.center[2] === 0)).toBe(true);
    expect(boxes[0].size).toEqual([1, 3.5, 3.5]);
    expect(boxes[1].opacity).toBe(0.75);
    expect(boxes.every((box) => box.direction === null)).toBe(true);
  });

  it("splits a bidirectional layer into two half-width boxes side by side", () => {
    const lstm = visualization([
      layer("embedding", "embedding", 0),
      layer("bi_lstm", "recurrent", 2, { width: 6, height: 2.5, depth: 1.2, bidirectional: true }),
    ]);
    const boxes = sceneBoxes(lstm, "category", palette);
    expect(boxes).toHaveLength(3);
    const [forward, backward] = boxes.filter((box) => box.layerId === "bi_lstm");
    expect([forward.direction, backward.direction]).toEqual(["forward", "backward"]);
    expect(forward.size).toEqual([1.2, 2.5, 3]);
    expect(backward.size).toEqual([1.2, 2.5, 3]);
    // Same place along the chain, apart across it by one half plus the gap.
    expect(forward.center[0]).toBe(backward.center[0]);
    expect(backward.center[2] - forward.center[2]).toBeCloseTo(3 + DIRECTION_GAP);
    expect(forward.center[2] + backward.center[2]).toBeCloseTo(0);
  });

  it("colours by category, falling back for a category the legend lacks", () => {
    const odd = visualization([layer("mystery", "other", 0), ...cnn.layers]);
    const colours = sceneBoxes(odd, "category", palette).map((box) => box.color);
    expect(colours).toEqual([FALLBACK_COLOUR, "#2563eb", "#0891b2", "#16a34a"]);
  });

  it("colours by a score with the model's colour, paler for smaller layers", () => {
    const boxes = sceneBoxes(cnn, "performance", palette);
    expect(boxes[0].color).toBe("#16a34a"); // color_intensity 1: the colour itself
    const dense = boxes.find((box) => box.layerId === "dense");
    expect(dense?.color).toBe(mixWithWhite("#16a34a", 0.7 * 0.6));
    const health = sceneBoxes(cnn, "health", palette);
    expect(health[0].color).toBe("#f97316");
  });
});

describe("colours", () => {
  it("mixes a hex colour toward white", () => {
    expect(mixWithWhite("#000000", 0)).toBe("#000000");
    expect(mixWithWhite("#000000", 1)).toBe("#ffffff");
    expect(mixWithWhite("#204060", 0.5)).toBe("#90a0b0");
    expect(mixWithWhite("not a colour", 0.5)).toBe("not a colour");
  });

  it("takes category colours from the legend, then from the graph's nodes", () => {
    const colours = categoryPalette(
      [{ category: "linear", label: "Linear", color: "#111111" }],
      [
        { category: "linear", color: "#222222" },
        { category: "dropout", color: "#333333" },
      ],
    );
    expect(colours).toEqual({ linear: "#111111", dropout: "#333333" });
  });

  it("notes the score of the colour mode, or its absence", () => {
    expect(modeNote("category", cnn)).toContain("layer type");
    expect(modeNote("performance", cnn)).toContain("Performance (accuracy) 0.91");
    expect(modeNote("health", cnn)).toContain("Health score 0.55");
    const unscored = visualization(cnn.layers, { health_score: null });
    expect(modeNote("health", unscored)).toContain("not recorded");
  });
});

describe("tooltipLines", () => {
  it("names the layer, its type, output shape and parameters", () => {
    const conv = cnn.layers[1];
    expect(tooltipLines(conv, null)).toEqual([
      "conv_0",
      "Type: Conv2D (32 filters, 3x3)",
      "Output shape: (None, 26, 26, 32)",
      "Parameters: 320",
    ]);
  });

  it("says when the shape was not recorded, separates thousands and names the direction", () => {
    const lines = tooltipLines(
      layer("bi", "recurrent", 0, { label: "", layer_type: "Bidirectional", parameters: 1234567 }),
      "backward",
    );
    expect(lines).toEqual([
      "bi",
      "Type: Bidirectional",
      "Output shape: shape not recorded",
      "Parameters: 1,234,567",
      "Direction: backward",
    ]);
  });

  it("writes shapes as Keras does", () => {
    expect(formatShape([null, 128])).toBe("(None, 128)");
    expect(formatShape([10])).toBe("(10,)");
    expect(formatShape([])).toBe("shape not recorded");
    expect(formatShape(null)).toBe("shape not recorded");
  });
});

describe("cameraFraming", () => {
  const boxes = sceneBoxes(cnn, "category", palette);

  /** How far across the half field of view the farthest-out box corner lands (1 = the edge),
   * seen from the framing's camera. */
  function fill(framing: ReturnType<typeof cameraFraming>, fov: number, aspect: number) {
    const sub = (a: readonly number[], b: readonly number[]) => a.map((v, i) => v - b[i]);
    const dot = (a: readonly number[], b: readonly number[]) =>
      a.reduce((sum, v, i) => sum + v * b[i], 0);
    const unit = (a: number[]) => a.map((v) => v / Math.hypot(...a));
    const cross = (a: number[], b: number[]) => [
      a[1] * b[2] - a[2] * b[1],
      a[2] * b[0] - a[0] * b[2],
      a[0] * b[1] - a[1] * b[0],
    ];
    const forward = unit(sub(framing.target, framing.position));
    const right = unit(cross(forward, [0, 1, 0]));
    const up = cross(right, forward);
    const tanV = Math.tan((fov * Math.PI) / 360);
    let worst = 0;
    for (const box of boxes) {
      for (const corner of [0, 1, 2, 3, 4, 5, 6, 7]) {
        const point = box.center.map(
          (c, axis) => c + ((corner >> axis) & 1 ? 0.5 : -0.5) * box.size[axis],
        );
        const view = sub(point, framing.position);
        const depth = dot(view, forward);
        expect(depth).toBeGreaterThan(framing.near);
        expect(depth).toBeLessThan(framing.far);
        const x = Math.abs(dot(view, right) / depth) / (tanV * aspect);
        const y = Math.abs(dot(view, up) / depth) / tanV;
        worst = Math.max(worst, x, y);
      }
    }
    return worst;
  }

  it("looks at the origin from just far enough for every box to be in view", () => {
    for (const aspect of [0.6, 1, 1.9]) {
      const framing = cameraFraming(boxes, 40, aspect);
      expect(framing.target).toEqual([0, 0, 0]);
      expect(Math.hypot(...framing.position)).toBeCloseTo(framing.distance);
      const filled = fill(framing, 40, aspect);
      expect(filled).toBeLessThanOrEqual(1);
      expect(filled).toBeGreaterThan(0.85);
    }
  });

  it("backs off further in a narrow viewport and for a longer model", () => {
    expect(cameraFraming(boxes, 40, 0.5).distance).toBeGreaterThan(
      cameraFraming(boxes, 40, 1.5).distance,
    );
    const longer = visualization([...cnn.layers, layer("out", "linear", 12)]);
    const longerBoxes = sceneBoxes(longer, "category", palette);
    expect(cameraFraming(longerBoxes, 40, 1.5).distance).toBeGreaterThan(
      cameraFraming(boxes, 40, 1.5).distance,
    );
  });

  it("measures the scene from its centre", () => {
    expect(boundingRadius(boxes)).toBeCloseTo(Math.hypot(2.5, 1.75, 1.75));
  });
});

describe("forward signals", () => {
  const rms = signal("activation_rms", { conv_0: 0.5, dense: 2 });
  const time = signal("forward_time_share", { conv_0: 60, pool_0: 10, dense: 30 });

  it("prefers the activations, else takes the signal there is", () => {
    expect(defaultSignal([time, rms])).toBe(rms);
    expect(defaultSignal([time])).toBe(time);
    expect(defaultSignal([])).toBeNull();
  });

  it("steps through the layers in z order, unlit where the signal has no value", () => {
    const { steps, notMeasured } = pulseSteps(cnn, rms);
    expect(steps).toEqual([
      { layerId: "conv_0", level: 0.25 },
      { layerId: "pool_0", level: null },
      { layerId: "dense", level: 1 },
    ]);
    expect(notMeasured).toEqual(["pool_0"]);
    expect(pulseSteps(cnn, time).notMeasured).toEqual([]);
  });

  it("keeps a level inside 0-1 and drops one that is not a number", () => {
    const odd = { ...rms, intensities: { conv_0: 1.7, pool_0: Number.NaN, dense: -0.2 } };
    expect(pulseSteps(cnn, odd).steps.map((step) => step.level)).toEqual([1, null, 0]);
  });

  it("says which number lights the layers, and why nothing can play without one", () => {
    const caption = signalCaption(rms, ["pool_0"]);
    expect(caption).toContain("Activation RMS on the probe batch");
    expect(caption).toContain("epoch 3");
    expect(caption).toContain("Not measured: pool_0.");
    expect(signalCaption(null, [])).toContain("recorded no per-layer activations or timings");
  });

  it("reads out the current layer's raw value in the signal's unit", () => {
    expect(stepReadout(rms, cnn.layers[0])).toBe("dense: 2.00");
    expect(stepReadout(time, cnn.layers[0])).toBe("dense: 30.0% of the forward time");
    expect(stepReadout(rms, cnn.layers[2])).toBe("pool_0: not measured");
  });
});

describe("fallbackReason", () => {
  it("keeps phones on the graph, then needs WebGL", () => {
    expect(isPhoneViewport(390)).toBe(true);
    expect(isPhoneViewport(639)).toBe(true);
    expect(isPhoneViewport(640)).toBe(false);
    expect(fallbackReason(true, 390)).toContain("The 3D view needs a wider screen");
    expect(fallbackReason(false, 390)).toContain("needs a wider screen");
    expect(fallbackReason(false, 1280)).toContain("This browser cannot run WebGL");
    expect(fallbackReason(true, 1280)).toBeNull();
  });
});
