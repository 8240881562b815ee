/** The 3D architecture view's data, without three.js: one box per layer (two for a
 * bidirectional one), colours per mode, tooltip text, camera framing, the forward pulse's light
 * levels and whether the view may run at all. The scene (scene3d.ts) only draws what this says,
 * so everything worth checking is checked here in plain unit tests.
 *
 * Scene axes: the model runs along x (the server's `position_z`, recentred on 0), y is up, and
 * a box's face (the server's width x height) stands across the chain; its thickness along x is
 * the server's `depth`.
 */
import type { ArchitectureView, LegendEntry } from "@/lib/api/types";

import { formatExactCount } from "./detailFormat";

export type ArchitectureVisualization = ArchitectureView["visualization"];
export type LayerVisualization = ArchitectureVisualization["layers"][number];
export type ForwardSignal = NonNullable<ArchitectureView["forward_signals"]>[number];
export type SignalMeasure = ForwardSignal["measure"];

export type ColourMode = "category" | "performance" | "health";
export type Direction = "forward" | "backward";
export type Vec3 = readonly [number, number, number];

/** One box of the scene. A bidirectional layer has two, one per direction, same layerId. */
export interface BoxSpec {
  layerId: string;
  /** null for an ordinary layer; which half of a bidirectional one otherwise. */
  direction: Direction | null;
  center: Vec3;
  /** Along the chain (server depth), up (height), across (width). */
  size: Vec3;
  color: string;
  opacity: number;
  /** Emissive intensity when nothing lights the box: a faint self-light keeps the faces turned
   * away from the directional light in their own colour instead of a muddy grey. */
  emissiveBase: number;
}

/** Colours the boxes may take: the category legend and the model's two score colours. */
export interface Palette {
  /** category -> hex colour, from the Cytoscape legend (and its nodes). */
  categories: Readonly<Record<string, string>>;
  performance: string;
  health: string;
}

export const COLOUR_MODES: readonly { mode: ColourMode; label: string }[] = [
  { mode: "category", label: "Layer type" },
  { mode: "performance", label: "Performance" },
  { mode: "health", label: "Health" },
];

/** Space between the two halves of a bidirectional layer, in scene units. */
export const DIRECTION_GAP = 0.2;
export const EMISSIVE_BASE = 0.08;
/** Colour of a category the legend does not list (the server's "other"). */
export const FALLBACK_COLOUR = "#78716c";
/** How far the smallest layer's score colour is washed toward white: not all the way, so it
 * still reads against the light background. */
const MAX_WHITE_SHARE = 0.7;
/** One forward-propagation step, in milliseconds. */
export const PULSE_STEP_MS = 400;
/** Below this viewport width (CSS pixels) the page is a phone: no 3D, the graph only. */
export const PHONE_MAX_WIDTH = 640;

/** The boxes of a visualization in z order, centred on the origin, coloured for `mode`. */
export function sceneBoxes(
  visualization: ArchitectureVisualization,
  mode: ColourMode,
  palette: Palette,
): BoxSpec[] {
  const layers = layersInOrder(visualization);
  const offset = chainCentre(layers);
  return layers.flatMap((layer): BoxSpec[] => {
    const color = layerColour(layer, mode, palette);
    const x = layer.position_z - offset;
    const base = { layerId: layer.layer_id, color, opacity: layer.opacity };
    if (!layer.bidirectional) {
      const size: Vec3 = [layer.depth, layer.height, layer.width];
      return [{ ...base, direction: null, center: [x, 0, 0], size, emissiveBase: EMISSIVE_BASE }];
    }
    // The server's width already counts both directions (their outputs are concatenated), so
    // each half is half of it, pushed apart by the gap.
    const half = layer.width / 2;
    const shift = (half + DIRECTION_GAP) / 2;
    const size: Vec3 = [layer.depth, layer.height, half];
    return (["forward", "backward"] as const).map((direction) => ({
      ...base,
      direction,
      center: [x, 0, direction === "forward" ? -shift : shift],
      size,
      emissiveBase: EMISSIVE_BASE,
    }));
  });
}

/** The layers sorted along the chain (the server sends them in order; this makes sure). */
export function layersInOrder(visualization: ArchitectureVisualization): LayerVisualization[] {
  return [...visualization.layers].sort((a, b) => a.position_z - b.position_z);
}

/** Category colours: the legend's, then each Cytoscape node's for categories it lacks. */
export function categoryPalette(
  legend: readonly LegendEntry[],
  nodes: readonly { category: string; color: string }[],
): Record<string, string> {
  const colours: Record<string, string> = {};
  for (const node of nodes) colours[node.category] ??= node.color;
  for (const entry of legend) colours[entry.category] = entry.color;
  return colours;
}

/** A layer's colour: its category's, or the model's score colour washed toward white by how
 * small the layer is (`color_intensity` 1 keeps the colour, 0.15 is mostly white). */
export function layerColour(layer: LayerVisualization, mode: ColourMode, palette: Palette) {
  if (mode === "category") return palette.categories[layer.category] ?? FALLBACK_COLOUR;
  const intensity = clamp01(layer.color_intensity);
  return mixWithWhite(palette[mode], MAX_WHITE_SHARE * (1 - intensity));
}

/** `hex` (#rrggbb) moved `share` (0-1) of the way to white. */
export function mixWithWhite(hex: string, share: number): string {
  const match = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!match) return hex;
  const value = Number.parseInt(match[1], 16);
  const channels = [value >> 16, (value >> 8) & 0xff, value & 0xff];
  const mixed = channels.map((channel) => Math.round(channel + (255 - channel) * clamp01(share)));
  return `#${mixed.map((channel) => channel.toString(16).padStart(2, "0")).join("")}`;
}

/** One line under the colour toggle: what the colours mean in this mode, with the score. */
export function modeNote(mode: ColourMode, visualization: ArchitectureVisualization): string {
  if (mode === "category") return "Colours show the layer type; see the legend.";
  const score =
    mode === "performance" ? visualization.performance_score : visualization.health_score;
  const name = mode === "performance" ? "Performance (accuracy)" : "Health score";
  if (score === null || !Number.isFinite(score)) {
    return `${name} was not recorded for this model, so every box is grey.`;
  }
  return `${name} ${score.toFixed(2)} sets the colour; paler boxes hold fewer parameters.`;
}

/** The hover text of a box: name, type (the graph's label, which adds filters or units to the
 * class name), output shape, parameters and, for a bidirectional half, its direction. */
export function tooltipLines(layer: LayerVisualization, direction: Direction | null): string[] {
  const lines = [
    layer.layer_id,
    `Type: ${layer.label.trim() || layer.layer_type}`,
    `Output shape: ${formatShape(layer.output_shape ?? null)}`,
    `Parameters: ${formatExactCount(layer.parameters)}`,
  ];
  if (direction) lines.push(`Direction: ${direction}`);
  return lines;
}

/** Keras's way of writing a shape, batch axis included: [null, 26, 26, 32] ->
 * "(None, 26, 26, 32)"; a missing shape says so. */
export function formatShape(shape: readonly (number | null)[] | null): string {
  if (!shape || shape.length === 0) return "shape not recorded";
  const dims = shape.map((dim) => (dim === null ? "None" : String(dim)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
}

/** Where the camera starts: looking at the middle of the chain from the front, a little above
 * and to the right, just far enough that every box corner is inside the field of view. */
export interface CameraFraming {
  position: Vec3;
  target: Vec3;
  distance: number;
  near: number;
  far: number;
}

const VIEW_DIRECTION: Vec3 = normalize([0.45, 0.5, 1]);
const UP: Vec3 = [0, 1, 0];
const FRAME_MARGIN = 1.08;

export function cameraFraming(
  boxes: readonly BoxSpec[],
  fovDegrees: number,
  aspect: number,
): CameraFraming {
  const tanVertical = Math.tan((fovDegrees * Math.PI) / 360);
  const tanHorizontal = tanVertical * Math.max(aspect, 1e-3);
  // The camera looks along -VIEW_DIRECTION; right and up span its image plane.
  const right = normalize(cross(scale(VIEW_DIRECTION, -1), UP));
  const up = cross(right, scale(VIEW_DIRECTION, -1));
  // Each corner fits when its offset across the view, over its distance from the camera,
  // stays within the half field of view: the distance that fits the most demanding corner.
  let needed = 1;
  for (const corner of corners(boxes)) {
    const toward = dot(corner, VIEW_DIRECTION);
    const across = Math.abs(dot(corner, right)) / tanHorizontal;
    const upward = Math.abs(dot(corner, up)) / tanVertical;
    needed = Math.max(needed, toward + across, toward + upward);
  }
  const distance = FRAME_MARGIN * needed;
  const position = scale(VIEW_DIRECTION, distance);
  const radius = boundingRadius(boxes);
  return {
    position,
    target: [0, 0, 0],
    distance,
    // Room for the zoom the controls allow: in to a tenth, out to four times the distance.
    near: distance / 100,
    far: (distance + radius) * 5,
  };
}

/** The largest distance of a box corner from the origin (the scene's centre). */
export function boundingRadius(boxes: readonly BoxSpec[]): number {
  return Math.max(0, ...corners(boxes).map((corner) => Math.hypot(...corner)));
}

/** The eight corners of every box. */
function corners(boxes: readonly BoxSpec[]): Vec3[] {
  return boxes.flatMap((box) =>
    [-1, 1].flatMap((sx) =>
      [-1, 1].flatMap((sy) =>
        [-1, 1].map(
          (sz): Vec3 => [
            box.center[0] + (sx * box.size[0]) / 2,
            box.center[1] + (sy * box.size[1]) / 2,
            box.center[2] + (sz * box.size[2]) / 2,
          ],
        ),
      ),
    ),
  );
}

/** The signal the animation starts with: the probe batch's activations when recorded (a
 * property of the model itself), else the first one there is. */
export function defaultSignal(signals: readonly ForwardSignal[]): ForwardSignal | null {
  return signals.find((signal) => signal.measure === "activation_rms") ?? signals[0] ?? null;
}

/** One step of the forward pulse: the layer it lights and how brightly (0-1), or null when the
 * signal has no value for that layer. */
export interface PulseStep {
  layerId: string;
  level: number | null;
}

/** The pulse's steps in z order, and the ids of the layers the signal did not measure. */
export function pulseSteps(
  visualization: ArchitectureVisualization,
  signal: ForwardSignal,
): { steps: PulseStep[]; notMeasured: string[] } {
  const steps = layersInOrder(visualization).map((layer) => {
    const level = signal.intensities[layer.layer_id];
    return {
      layerId: layer.layer_id,
      level: typeof level === "number" && Number.isFinite(level) ? clamp01(level) : null,
    };
  });
  const notMeasured = steps.filter((step) => step.level === null).map((step) => step.layerId);
  return { steps, notMeasured };
}

/** The sentence that says which real number lights the layers. */
export function signalCaption(signal: ForwardSignal | null, notMeasured: readonly string[]) {
  if (!signal) {
    return (
      "This trial recorded no per-layer activations or timings, so there is no real number " +
      "to animate."
    );
  }
  // The server's description already names the epoch and the unit.
  const missing = notMeasured.length > 0 ? ` Not measured: ${notMeasured.join(", ")}.` : "";
  return `Brightness: ${signal.title}. ${signal.description}${missing}`;
}

/** What the pulse's current layer measured, e.g. "conv_0: 0.412" or "dense: 12.5% of the
 * forward time"; a layer without a value says so. */
export function stepReadout(signal: ForwardSignal, layer: LayerVisualization): string {
  const value = signal.values[layer.layer_id];
  const name = layer.layer_id;
  if (typeof value !== "number" || !Number.isFinite(value)) return `${name}: not measured`;
  if (signal.measure === "forward_time_share") {
    return `${name}: ${value.toFixed(1)}% of the forward time`;
  }
  return `${name}: ${value.toPrecision(3)}`;
}

/** Why the 3D view cannot run here, or null when it can. WebGL detection is the component's
 * (it needs a real canvas); the phone rule is here. */
export function fallbackReason(webgl: boolean, viewportWidth: number): string | null {
  if (isPhoneViewport(viewportWidth)) {
    return "The 3D view needs a wider screen; the graph shows the same layers.";
  }
  if (!webgl) return "This browser cannot run WebGL; the graph shows the same layers.";
  return null;
}

export function isPhoneViewport(viewportWidth: number): boolean {
  return viewportWidth < PHONE_MAX_WIDTH;
}

function chainCentre(layers: readonly LayerVisualization[]): number {
  if (layers.length === 0) return 0;
  const first = layers[0];
  const last = layers[layers.length - 1];
  return (first.position_z - first.depth / 2 + last.position_z + last.depth / 2) / 2;
}

function normalize(vector: Vec3): Vec3 {
  return scale(vector, 1 / Math.hypot(...vector));
}

function scale(vector: Vec3, factor: number): Vec3 {
  return [vector[0] * factor, vector[1] * factor, vector[2] * factor];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function clamp01(value: number): number {
  return Math.min(Math.max(value, 0), 1);
}
