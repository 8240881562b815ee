"use client";

import { useMemo, useState } from "react";

import type { BestModel } from "@/lib/api/types";

import { Architecture3D } from "./Architecture3D";
import { readArchitecture } from "./architecture";
import { ArchitectureGraph } from "./ArchitectureGraph";
import { ArchitectureLegend } from "./ArchitectureLegend";
import styles from "./best.module.css";
import { issuesForLayer } from "./diagnostics";
import { DownloadButton } from "./DownloadButton";
import { LayerList } from "./LayerList";
import { NodeDetails } from "./NodeDetails";

/** What the explorer reads of a model: the best model's record, or any trial's detail. */
export type ExplorableModel = Pick<
  BestModel,
  "architecture" | "layer_health" | "diagnostics" | "architecture_svg_url" | "architecture_pdf_url"
>;

/** A model's layers: graph and 3D view, legend, a list to pick a layer, the picked one's
 * details, and the architecture's diagrams. `name` is the base of downloaded files' names. */
export function ArchitectureExplorer({ best, name }: { best: ExplorableModel; name: string }) {
  // The page re-fetches the best model while the job runs; keying on the JSON keeps the same
  // graph (and Cytoscape instance, with the user's zoom) and the same 3D scene until the
  // architecture really changes.
  const architectureJson = JSON.stringify(best.architecture);
  const architecture = useMemo(
    () => JSON.parse(architectureJson) as ExplorableModel["architecture"],
    [architectureJson],
  );
  const graph = useMemo(() => readArchitecture(architecture), [architecture]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [show3d, setShow3d] = useState(false);
  const selected = graph.nodes.find((node) => node.id === selectedId);

  return (
    <section className="card" aria-labelledby="architecture-title">
      <h2 id="architecture-title">Architecture</h2>
      {graph.nodes.length === 0 ? (
        <p className={styles.empty}>This trial recorded no architecture.</p>
      ) : (
        <>
          <p className={styles.note}>
            Node size follows the layer&apos;s parameter count. Select a layer in the graph, the
            3D view or the list to see its health.
          </p>
          <div className={styles.actions}>
            <button
              type="button"
              className="button button-secondary"
              data-testid="view-3d-toggle"
              aria-pressed={show3d}
              onClick={() => setShow3d((shown) => !shown)}
            >
              3D view
            </button>
            <DownloadButton
              label="Diagram (.svg)"
              path={best.architecture_svg_url ?? null}
              fallbackName={`${name}_architecture.svg`}
              notReadyHint="No diagram for this model yet."
              testId="download-architecture-svg"
            />
            <DownloadButton
              label="Diagram (.pdf)"
              path={best.architecture_pdf_url ?? null}
              fallbackName={`${name}_architecture.pdf`}
              notReadyHint="No diagram for this model yet."
              testId="download-architecture-pdf"
            />
          </div>
          <div className={show3d ? styles.views : undefined}>
            <div className={styles.viewColumn}>
              <ArchitectureLegend entries={graph.legend} />
              <ArchitectureGraph
                nodes={graph.nodes}
                edges={graph.edges}
                selectedId={selectedId}
                onSelect={setSelectedId}
              />
            </div>
            {show3d && architecture && (
              <div className={styles.viewColumn}>
                <Architecture3D
                  visualization={architecture.visualization}
                  signals={architecture.forward_signals ?? []}
                  nodes={graph.nodes}
                  legend={graph.legend}
                  name={name}
                  selectedId={selectedId}
                  onSelect={setSelectedId}
                />
              </div>
            )}
          </div>
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
