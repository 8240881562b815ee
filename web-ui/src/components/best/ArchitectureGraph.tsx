"use client";

import type { Core, ElementDefinition, StylesheetJson } from "cytoscape";
import { useEffect, useRef, useState } from "react";

import { errorMessage } from "@/lib/api/client";

import {
  type LayerEdge,
  type LayerNode,
  nodeSize,
  snakeColumns,
  snakePositions,
} from "./architecture";
import styles from "./best.module.css";

declare global {
  interface Window {
    /** The live Cytoscape instance, for end-to-end tests that read node positions. */
    __healthoptCy?: Core;
  }
}

// Room per node in graph units: the largest node plus a two-line label below it.
const CELL = { width: 140, height: 110 };
const PADDING = 30;
// Fitting a short chain would blow it up; cap the zoom that fitting may reach.
const MAX_FIT_ZOOM = 1.2;

const STYLE: StylesheetJson = [
  {
    selector: "node",
    style: {
      "background-color": "data(color)",
      width: "data(size)",
      height: "data(size)",
      label: "data(label)",
      "font-size": 12,
      color: "#1f2937",
      "text-wrap": "wrap",
      "text-max-width": "130px",
      "text-valign": "bottom",
      "text-margin-y": 4,
      // Labels sit on the page colour so an edge passing under one stays readable.
      "text-background-color": "#f5f7fa",
      "text-background-opacity": 1,
      "text-background-padding": "2px",
      "border-width": 1,
      "border-color": "#1f2937",
    },
  },
  { selector: "node:selected", style: { "border-width": 5, "border-color": "#f59e0b" } },
  {
    selector: "edge",
    style: {
      width: 2,
      "line-color": "#94a3b8",
      "target-arrow-color": "#94a3b8",
      "target-arrow-shape": "triangle",
      "curve-style": "bezier",
    },
  },
];

/** The architecture as an interactive Cytoscape.js graph: nodes coloured by layer type and
 * sized by parameters; tapping a node selects it, as does `selectedId` from outside. */
export function ArchitectureGraph({
  nodes,
  edges,
  selectedId,
  onSelect,
}: {
  nodes: readonly LayerNode[];
  edges: readonly LayerEdge[];
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}) {
  const containerRef = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  // Cytoscape's handlers are bound once per graph; they call the latest onSelect through this.
  const onSelectRef = useRef(onSelect);
  useEffect(() => {
    onSelectRef.current = onSelect;
  });
  const [rendered, setRendered] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    let cy: Core | null = null;
    let stopRefitting: (() => void) | null = null;
    let cancelled = false;
    setRendered(false);
    // Imported here, not at module level: Cytoscape touches `window` when it loads.
    import("cytoscape")
      .then(({ default: cytoscape }) => {
        if (cancelled) return;
        const instance = cytoscape({
          container,
          elements: graphElements(nodes, edges),
          style: STYLE,
          boxSelectionEnabled: false,
          selectionType: "single",
          minZoom: 0.2,
          maxZoom: 3,
        });
        instance.on("tap", "node", (event) => onSelectRef.current(event.target.id()));
        instance.on("tap", (event) => {
          if (event.target === instance) onSelectRef.current(null);
        });
        arrange(instance, container, () => setRendered(true));
        stopRefitting = refitOnResize(instance, container);
        cy = instance;
        cyRef.current = instance;
        window.__healthoptCy = instance;
      })
      .catch((error: unknown) => setFailure(errorMessage(error)));
    return () => {
      cancelled = true;
      stopRefitting?.();
      if (cy && window.__healthoptCy === cy) delete window.__healthoptCy;
      cy?.destroy();
      cyRef.current = null;
    };
  }, [nodes, edges]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy || !rendered) return;
    cy.nodes().unselect();
    if (selectedId) cy.getElementById(selectedId).select();
  }, [selectedId, rendered]);

  return (
    <>
      <div
        ref={containerRef}
        className={styles.graph}
        data-testid="architecture-graph"
        data-rendered={rendered ? "true" : undefined}
        data-node-count={rendered ? nodes.length : undefined}
        role="img"
        aria-label={`Architecture graph of ${nodes.length} nodes; the layer list selects them too.`}
      />
      {failure && <p role="alert">The graph could not be drawn: {failure}</p>}
    </>
  );
}

/** Lays the chain out as a snake with as many columns as fit the container, then fits it. */
function arrange(cy: Core, container: HTMLElement, onDone?: () => void) {
  const viewport = {
    width: container.clientWidth - 2 * PADDING,
    height: container.clientHeight - 2 * PADDING,
  };
  const ids = cy.nodes().map((node) => node.id());
  const layout = cy.layout({
    name: "preset",
    positions: snakePositions(ids, snakeColumns(ids.length, viewport, CELL), CELL),
    fit: true,
    padding: PADDING,
  });
  layout.one("layoutstop", () => {
    if (cy.zoom() > MAX_FIT_ZOOM) {
      cy.zoom(MAX_FIT_ZOOM);
      cy.center();
    }
    onDone?.();
  });
  layout.run();
}

/** Re-arranges the graph when its container's width changes after mount (scrollbars, fonts,
 * rotation); returns the function that stops watching. */
function refitOnResize(cy: Core, container: HTMLElement): () => void {
  let width = container.clientWidth;
  let pending: number | undefined;
  const observer = new ResizeObserver(() => {
    if (container.clientWidth === width) return;
    width = container.clientWidth;
    window.clearTimeout(pending);
    // Settle first: a window drag reports many sizes in a row.
    pending = window.setTimeout(() => {
      cy.resize();
      arrange(cy, container);
    }, 150);
  });
  observer.observe(container);
  return () => {
    observer.disconnect();
    window.clearTimeout(pending);
  };
}

function graphElements(
  nodes: readonly LayerNode[],
  edges: readonly LayerEdge[],
): ElementDefinition[] {
  const largest = Math.max(0, ...nodes.map((node) => node.parameters));
  return [
    ...nodes.map((node) => ({
      data: {
        id: node.id,
        label: node.label,
        color: node.color,
        size: nodeSize(node.parameters, largest),
      },
    })),
    ...edges.map((edge) => ({ data: { ...edge } })),
  ];
}
