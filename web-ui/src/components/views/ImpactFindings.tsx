import type { ImpactHeatmap } from "@/lib/views";

import styles from "./views.module.css";

/** The impact heatmap's strongest correlations in words (for those who do not read colours),
 * and its notes. */
export function ImpactFindings({
  heatmap,
  figureNote,
}: {
  heatmap: ImpactHeatmap;
  /** The heatmap figure's note, shown above: its notes are not repeated here. */
  figureNote?: string | null;
}) {
  const fresh = heatmap.notes.filter((note) => !figureNote?.includes(note));
  const notes =
    fresh.length > 0 ? (
      <ul className={styles.notes} aria-label="Notes on the impact heatmap">
        {fresh.map((note) => (
          <li key={note}>{note}</li>
        ))}
      </ul>
    ) : null;
  if (heatmap.strongest.length === 0) {
    return (
      <>
        <p className={styles.muted}>
          No hyperparameter correlates clearly with any target in these trials.
        </p>
        {notes}
      </>
    );
  }
  return (
    <>
      <h3 className={styles.subheading}>Strongest effects</h3>
      <ol className={styles.findings} aria-label="Strongest effects">
        {heatmap.strongest.map((finding) => (
          // The server's description already carries rho, p and n.
          <li key={`${finding.param}:${finding.target}`}>{finding.description}</li>
        ))}
      </ol>
      {notes}
    </>
  );
}
