import type { LegendEntry } from "@/lib/api/types";
import styles from "./best.module.css";

/** Colour key of the layer categories drawn in the graph. */
export function ArchitectureLegend({ entries }: { entries: readonly LegendEntry[] }) {
  return (
    <ul className={styles.legend} data-testid="architecture-legend" aria-label="Layer types">
      {entries.map((entry) => (
        <li key={entry.category} className={styles.legendItem} data-testid="legend-item">
          <span className={styles.swatch} style={{ background: entry.color }} aria-hidden="true" />
          {entry.label}
        </li>
      ))}
    </ul>
  );
}
