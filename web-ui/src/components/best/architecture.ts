/** The best model's architecture graph as the page uses it: layer nodes, edges, the legend
 * of the categories present, node sizes and a snake layout of the chain.
 *
 * The shapes are the server's (`ArchitectureView` in the generated API types).
 */
import type {
  ArchitectureView,
  CytoscapeEdgeData,
  CytoscapeNodeData,
  LegendEntry,
} from "@/lib/api/types";

/** A layer, or the input or output endpoint, of the graph. */
export type LayerNode = CytoscapeNodeData;
export type LayerEdge = CytoscapeEdgeData;

export interface ArchitectureGraph {
  nodes: LayerNode[];
  edges: LayerEdge[];
  legend: LegendEntry[];
}

export const MIN_NODE_SIZE = 22;
export const MAX_NODE_SIZE = 64;

/** Nodes, edges and legend from `BestModel.architecture`; empty when there is no graph. */
export function readArchitecture(architecture: ArchitectureView | null): ArchitectureGraph {
  if (!architecture) return { nodes: [], edges: [], legend: [] };
  const nodes: LayerNode[] = [];
  const edges: LayerEdge[] = [];
  for (const element of architecture.cytoscape.elements) {
    if ("classes" in element) nodes.push(element.data);
    else edges.push(element.data);
  }
  // Cytoscape refuses an edge to a node that does not exist.
  const ids = new Set(nodes.map((node) => node.id));
  const linked = edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target));
  return { nodes, edges: linked, legend: presentLegend(architecture.cytoscape.legend, nodes) };
}

/** One legend entry per category drawn, in order of first appearance along the graph; the
 * server's label and colour win, a category it did not list falls back to the node's. */
export function presentLegend(legend: readonly LegendEntry[], nodes: readonly LayerNode[]) {
  const known = new Map(legend.map((entry) => [entry.category, entry]));
  const present = new Map<string, LegendEntry>();
  for (const node of nodes) {
    if (present.has(node.category)) continue;
    present.set(
      node.category,
      known.get(node.category) ?? {
        category: node.category,
        label: titleCase(node.category),
        color: node.color,
      },
    );
  }
  return [...present.values()];
}

/** Node diameter in pixels: the square root of the layer's share of the largest layer, so
 * area grows with parameters, with a floor that keeps parameter-free layers visible. */
export function nodeSize(parameters: number, maxParameters: number): number {
  if (maxParameters <= 0 || parameters <= 0) return MIN_NODE_SIZE;
  const share = Math.min(parameters / maxParameters, 1);
  return Math.round(MIN_NODE_SIZE + (MAX_NODE_SIZE - MIN_NODE_SIZE) * Math.sqrt(share));
}

/** Grid cell of one node in the snake layout, in graph units (room for a wrapped label). */
export interface Cell {
  width: number;
  height: number;
}

/** Positions for the chain in the server's order (input, layers along the model's path,
 * output), as a snake: left to right along the first row, right to left along the next, and
 * so on, so each row ends right above the start of the next and the chain stays continuous. */
export function snakePositions(
  ids: readonly string[],
  columns: number,
  cell: Cell,
): Record<string, { x: number; y: number }> {
  return Object.fromEntries(
    ids.map((id, index) => {
      const row = Math.floor(index / columns);
      const step = index % columns;
      const column = row % 2 === 0 ? step : columns - 1 - step;
      return [id, { x: column * cell.width, y: row * cell.height }];
    }),
  );
}

/** The number of columns that lets `count` cells fit the viewport at the largest zoom. */
export function snakeColumns(
  count: number,
  viewport: { width: number; height: number },
  cell: Cell,
): number {
  let best = 1;
  let bestZoom = 0;
  for (let columns = 1; columns <= Math.max(count, 1); columns++) {
    const rows = Math.ceil(count / columns);
    const zoom = Math.min(
      viewport.width / (columns * cell.width),
      viewport.height / (rows * cell.height),
    );
    if (zoom > bestZoom) {
      best = columns;
      bestZoom = zoom;
    }
  }
  return best;
}

function titleCase(category: string): string {
  return category.replace(/_/g, " ").replace(/\b\w/g, (letter) => letter.toUpperCase());
}
