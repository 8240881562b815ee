"use client";

import type { PlotFile } from "@/lib/api/types";

import styles from "./best.module.css";
import { usePlotObjectUrl } from "./usePlotObjectUrl";

/** The best trial's plots as thumbnails; each opens full size in a new tab. */
export function PlotsGrid({ plots }: { plots: readonly PlotFile[] }) {
  return (
    <ul className={styles.plotsGrid} data-testid="plots-grid">
      {plots.map((plot) => (
        <li key={plot.url}>
          <PlotFigure plot={plot} />
        </li>
      ))}
    </ul>
  );
}

function PlotFigure({ plot }: { plot: PlotFile }) {
  const { url, error } = usePlotObjectUrl(plot.url);
  const caption = plotTitle(plot.name);
  return (
    <figure className={styles.plot}>
      {url ? (
        <a href={url} target="_blank" rel="noopener" title={`Open ${caption} full size`}>
          <img src={url} alt={`${caption} (trial ${plot.trial})`} data-testid="plot-image" />
        </a>
      ) : (
        <div className={styles.plotPlaceholder} role={error ? "alert" : "status"}>
          {error ?? "Loading…"}
        </div>
      )}
      <figcaption>{caption}</figcaption>
    </figure>
  );
}

/** "confusion_matrix.png" -> "Confusion matrix". */
function plotTitle(fileName: string): string {
  const words = fileName.replace(/\.[^.]+$/, "").replace(/[_-]+/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
