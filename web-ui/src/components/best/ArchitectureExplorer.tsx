"use client";

import { useMemo, useState } from "react";

import type { BestModel } from "@/lib/api/types";

import { readArchitecture } from "./architecture";
import { ArchitectureGraph } from "./ArchitectureGraph";
import { ArchitectureLegend } from "./ArchitectureLegend";
import styles from "./best.module.css";
import { issuesForLayer } from "./diagnostics";
import { LayerList } from "./LayerList";
import { NodeDetails } from "./NodeDetails";

/** What the explorer reads of a model: the best model's record, or any trial's detail. */
export type ExplorableModel = Pick<BestModel, "architecture" | "layer_health" | "diagnostics">;

/** A model's layers: graph, legend, a list to pick a layer, and the picked one's details. */
export function ArchitectureExplorer({ best }: { best: ExplorableModel }) {
  // The page re-fetches the best model while the job runs; keying on the JSON keeps the same
  // graph (and Cytoscape instance, with the user's zoom) until the architecture really changes.
  const architectureJson = JSON.stringify(best.architecture);
  const graph = useMemo(() => readArchitecture(JSON.parse(architectureJson)), [architectureJson]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = graph.nodes.find((node) => node.id === selectedId);

  return (
    <section className="card" aria-labelledby="architecture-title">
      <h2 id="architecture-title">Architecture</h2>
      {graph.nodes.length === 0 ? (
        <p className={styles.empty}>This trial recorded no architecture.</p>
      ) : (
        <>
          <p className={styles.note}>
            Node size follows the layer&apos;s parameter count. Select a layer in the graph or
            the list to see its health.
          </p>
          <ArchitectureLegend entries={graph.legend} />
          <ArchitectureGraph
            nodes={graph.nodes}
            edges={graph.edges}
            selectedId={selectedId}
            onSelect={setSelectedId}
          />
          <div className={styles.layerPanels}>
            {/* First in the page so phones show it right under the graph; wide screens move it
                beside the list. */}
            <div className={styles.detailsSlot}>
              {selected ? (
                <NodeDetails
                  node={selected}
                  layerHealth={best.layer_health[selected.id]}
                  issues={issuesForLayer(best.diagnostics.issues ?? [], selected.id)}
                />
              ) : (
                <p className={styles.muted}>No layer selected.</p>
              )}
            </div>
            <LayerList nodes={graph.nodes} selectedId={selectedId} onSelect={setSelectedId} />
          </div>
        </>
      )}
    </section>
  );
}
