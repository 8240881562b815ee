"use client";

import { DownloadButton } from "@/components/best/DownloadButton";
import { EXPORT_FORMATS, type ExportFormat, exportFileName, exportPath } from "@/lib/runs";

import styles from "./runs.module.css";

const LABELS: Record<ExportFormat, string> = {
  csv: "CSV (.csv)",
  parquet: "Parquet (.parquet)",
  json: "JSON (.json)",
};

/** "Export": every trial of the run as one flat table, one download per format the API
 * writes (GET /runs/{run}/export). */
export function ExportMenu({ run }: { run: string }) {
  return (
    <details className={styles.exportMenu} data-testid="export-menu">
      <summary className="button button-secondary">Export</summary>
      <div className={styles.exportItems} role="group" aria-label="Export every trial">
        {EXPORT_FORMATS.map((format) => (
          <DownloadButton
            key={format}
            label={LABELS[format]}
            path={exportPath(run, format)}
            fallbackName={exportFileName(run, format)}
            notReadyHint=""
            testId={`export-${format}`}
          />
        ))}
      </div>
    </details>
  );
}
