import type { LayerNode } from "./architecture";
import styles from "./best.module.css";
import { formatExactCount } from "./detailFormat";

/** Every node as a button: the keyboard (and screen reader) way to pick a layer. */
export function LayerList({
  nodes,
  selectedId,
  onSelect,
}: {
  nodes: readonly LayerNode[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}) {
  return (
    <ol className={styles.layerList} data-testid="layer-list" aria-label="Layers">
      {nodes.map((node) => (
        <li key={node.id}>
          <button
            type="button"
            className={styles.layerButton}
            data-testid="layer-button"
            data-layer-id={node.id}
            aria-pressed={node.id === selectedId}
            onClick={() => onSelect(node.id)}
          >
            <span className={styles.swatch} style={{ background: node.color }} aria-hidden="true" />
            <span className={styles.layerName}>{node.label}</span>
            <span className={styles.muted}>{formatExactCount(node.parameters)} params</span>
          </button>
        </li>
      ))}
    </ol>
  );
}
