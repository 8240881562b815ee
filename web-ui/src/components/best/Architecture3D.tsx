"use client";

import { type PointerEvent, useEffect, useMemo, useRef, useState } from "react";

import { errorMessage } from "@/lib/api/client";
import type { LegendEntry } from "@/lib/api/types";

import { type LayerNode, presentLegend } from "./architecture";
import {
  type ArchitectureVisualization,
  categoryPalette,
  COLOUR_MODES,
  type ColourMode,
  fallbackReason,
  type ForwardSignal,
  isPhoneViewport,
  modeNote,
  sceneBoxes,
  tooltipLines,
} from "./architecture3d";
import { ArchitectureLegend } from "./ArchitectureLegend";
import styles from "./best.module.css";
import { ForwardPulseControls, useForwardPulse } from "./ForwardPulse";
import type { ArchitectureScene } from "./scene3d";

declare global {
  interface Window {
    /** The live 3D view, for end-to-end tests that click a real box. */
    __healthopt3d?: { screenPoint(layerId: string): { x: number; y: number } | null };
  }
}

type Tooltip = { lines: string[]; x: number; y: number; flip: boolean };
type Phase = { kind: "starting" } | { kind: "ready" } | { kind: "fallback"; reason: string };

// A press that moves further than this (CSS pixels) is an orbit or a pan, not a click.
const CLICK_SLOP = 5;

/** Whether this browser can create a WebGL context (jsdom and WebGL-less browsers cannot). */
export function webglSupport(): boolean {
  if (typeof window === "undefined" || typeof window.WebGLRenderingContext === "undefined") {
    return false;
  }
  try {
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("webgl2") ?? canvas.getContext("webgl");
    // Browsers cap live contexts; give the probe's back at once.
    context?.getExtension("WEBGL_lose_context")?.loseContext();
    return context !== null;
  } catch {
    return false;
  }
}

/** The model's layers as three.js boxes: orbit, zoom and pan, hover for a layer's facts, click
 * to select it in the shared details panel, colour by type, performance or health, a forward
 * pulse lit by a real per-layer number, and a PNG snapshot. A phone or a browser without
 * WebGL gets a message instead (the graph beside it stays). */
export function Architecture3D({
  visualization,
  signals,
  nodes,
  legend,
  name,
  selectedId,
  onSelect,
}: {
  visualization: ArchitectureVisualization;
  signals: readonly ForwardSignal[];
  /** The graph's nodes and legend: the category colours (and the legend) to match it. */
  nodes: readonly LayerNode[];
  legend: readonly LegendEntry[];
  /** Base of the PNG's file name. */
  name: string;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const sceneRef = useRef<ArchitectureScene | null>(null);
  const pressedAt = useRef<{ x: number; y: number } | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: "starting" });
  const phone = usePhoneViewport();
  const [mode, setMode] = useState<ColourMode>("category");
  const [tooltip, setTooltip] = useState<Tooltip | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const pulse = useForwardPulse(visualization, signals);

  const layers = useMemo(
    () => new Map(visualization.layers.map((layer) => [layer.layer_id, layer])),
    [visualization],
  );
  const palette = useMemo(
    () => ({
      categories: categoryPalette(legend, nodes),
      performance: visualization.performance_color,
      health: visualization.health_color,
    }),
    [legend, nodes, visualization],
  );
  const boxes = useMemo(
    () => sceneBoxes(visualization, mode, palette),
    [visualization, mode, palette],
  );
  // The scene is built once per model; later colour changes go through setColours.
  const boxesRef = useRef(boxes);
  useEffect(() => {
    boxesRef.current = boxes;
  });
  const legendEntries = useMemo(
    () => presentLegend(legend, nodes.filter((node) => layers.has(node.id))),
    [legend, nodes, layers],
  );

  useEffect(() => {
    if (phone === null) return;
    const width = window.innerWidth;
    // A phone never probes WebGL: it would create a context for nothing.
    const reason = fallbackReason(!isPhoneViewport(width) && webglSupport(), width);
    if (reason) {
      setPhase({ kind: "fallback", reason });
      return;
    }
    setPhase({ kind: "starting" });
    let cancelled = false;
    let scene: ArchitectureScene | null = null;
    const hooks = { screenPoint: (layerId: string) => scene?.screenPoint(layerId) ?? null };
    // Imported here, not at module level: three.js must stay out of server rendering.
    import("./scene3d")
      .then(({ ArchitectureScene }) => {
        const canvas = canvasRef.current;
        if (cancelled || !canvas) return;
        try {
          scene = new ArchitectureScene(canvas, boxesRef.current);
        } catch {
          setPhase({ kind: "fallback", reason: fallbackReason(false, width) ?? "" });
          return;
        }
        sceneRef.current = scene;
        window.__healthopt3d = hooks;
        setPhase({ kind: "ready" });
      })
      .catch((error: unknown) => {
        if (!cancelled) {
          const reason = `The 3D view could not load: ${errorMessage(error)}`;
          setPhase({ kind: "fallback", reason });
        }
      });
    return () => {
      cancelled = true;
      if (window.__healthopt3d === hooks) delete window.__healthopt3d;
      scene?.dispose();
      sceneRef.current = null;
    };
  }, [visualization, phone]);

  const ready = phase.kind === "ready";
  // The pulse carries the ring while it plays; then it goes back to the user's selection.
  const selectedHere = selectedId && layers.has(selectedId) ? selectedId : null;
  const ringLayerId = pulse.step?.layerId ?? selectedHere;
  useEffect(() => {
    if (ready) sceneRef.current?.setColours(boxes);
  }, [ready, boxes]);
  useEffect(() => {
    if (ready) sceneRef.current?.setRing(ringLayerId);
  }, [ready, ringLayerId]);
  const step = pulse.step;
  useEffect(() => {
    if (!ready) return;
    const lit = step && step.level !== null ? { layerId: step.layerId, level: step.level } : null;
    sceneRef.current?.setPulse(lit);
  }, [ready, step]);

  function hover(event: PointerEvent<HTMLCanvasElement>) {
    const scene = sceneRef.current;
    // While a button is down the user is orbiting or panning: no tooltip in the way.
    const hit = scene && event.buttons === 0 ? scene.hit(event.clientX, event.clientY) : null;
    scene?.setHovered(hit?.layerId ?? null);
    const layer = hit && layers.get(hit.layerId);
    if (!hit || !layer) {
      setTooltip(null);
      return;
    }
    const rect = event.currentTarget.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const lines = tooltipLines(layer, hit.direction);
    // Past the middle the tooltip opens to the pointer's left, so it stays inside the stage.
    setTooltip({ lines, x, y: event.clientY - rect.top, flip: x > rect.width / 2 });
  }

  function click(event: PointerEvent<HTMLCanvasElement>) {
    const start = pressedAt.current;
    pressedAt.current = null;
    const scene = sceneRef.current;
    if (!scene || !start) return;
    if (Math.hypot(event.clientX - start.x, event.clientY - start.y) > CLICK_SLOP) return;
    onSelect(scene.hit(event.clientX, event.clientY)?.layerId ?? null);
  }

  async function savePng() {
    setSaveError(null);
    const blob = await sceneRef.current?.snapshot();
    if (blob) saveBlob(blob, `${name}_3d.png`);
    else setSaveError("The browser could not turn the view into a PNG.");
  }

  const fallback = phase.kind === "fallback" ? phase.reason : null;
  return (
    <div
      className={styles.view3d}
      data-testid="architecture-3d"
      data-state={fallback ? "fallback" : phase.kind}
      data-ring-layer-id={ready && ringLayerId ? ringLayerId : undefined}
      data-layer-count={boxes.length}
    >
      {fallback ? (
        <p className={styles.fallback3d} data-testid="architecture-3d-fallback" role="note">
          {fallback}
        </p>
      ) : (
        <>
          <div className={styles.toolbar}>
            <fieldset className={styles.colourModes} data-testid="colour-mode">
              <legend>Colour by</legend>
              {COLOUR_MODES.map((option) => (
                <label key={option.mode} className={styles.inlineField}>
                  <input
                    type="radio"
                    name={`colour-mode-${name}`}
                    value={option.mode}
                    checked={mode === option.mode}
                    onChange={() => setMode(option.mode)}
                  />
                  {option.label}
                </label>
              ))}
            </fieldset>
            <button
              type="button"
              className="button"
              disabled={!ready}
              onClick={() => sceneRef.current?.resetView()}
            >
              Reset view
            </button>
            <button
              type="button"
              className="button"
              data-testid="save-png"
              disabled={!ready}
              onClick={() => void savePng()}
            >
              Save PNG
            </button>
          </div>
          <p className={styles.note} data-testid="colour-note">
            {modeNote(mode, visualization)}
          </p>
          {mode === "category" && <ArchitectureLegend entries={legendEntries} />}
        </>
      )}
      <div className={styles.stage3d} hidden={fallback !== null}>
        <canvas
          ref={canvasRef}
          className={styles.canvas3d}
          data-testid="architecture-3d-canvas"
          role="img"
          aria-label={
            `3D view of ${visualization.layers.length} layers: drag to orbit, scroll to zoom, ` +
            "right-drag to pan. The layer list selects them too."
          }
          onPointerMove={hover}
          onPointerLeave={() => {
            sceneRef.current?.setHovered(null);
            setTooltip(null);
          }}
          onPointerDown={(event) => {
            pressedAt.current = { x: event.clientX, y: event.clientY };
          }}
          onPointerUp={click}
        />
        {phase.kind === "starting" && <p className={styles.loading3d}>Starting the 3D view…</p>}
        {tooltip && (
          <div
            className={styles.tooltip3d}
            data-testid="layer-tooltip"
            style={{
              left: tooltip.x,
              top: tooltip.y,
              transform: tooltip.flip ? "translate(calc(-100% - 12px), 12px)" : undefined,
            }}
          >
            {tooltip.lines.map((line, index) => (
              <div key={index}>{line}</div>
            ))}
          </div>
        )}
      </div>
      {!fallback && <ForwardPulseControls pulse={pulse} />}
      {saveError && (
        <p role="alert" className={styles.error}>
          {saveError}
        </p>
      )}
    </div>
  );
}

/** Whether the viewport is phone-sized, following rotation; null until known (never during
 * server rendering, so the first client render matches the server's). */
function usePhoneViewport(): boolean | null {
  const [phone, setPhone] = useState<boolean | null>(null);
  useEffect(() => {
    const update = () => setPhone(isPhoneViewport(window.innerWidth));
    update();
    window.addEventListener("resize", update);
    return () => window.removeEventListener("resize", update);
  }, []);
  return phone;
}

function saveBlob(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoked on the next tick: some browsers start the download asynchronously.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
