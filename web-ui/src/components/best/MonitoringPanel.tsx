"use client";

import { useEffect, useRef } from "react";

import { ApiError, apiData, fetchBlob } from "@/lib/api/client";
import { formatFraction } from "@/lib/format";
import { useApi } from "@/lib/useApi";
import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";

import styles from "./best.module.css";
import { OpenInTabButton } from "./OpenInTabButton";
import {
  anomalyRows,
  CLASS_COLOURS,
  classAbbreviation,
  type ClassStrip,
  classStrip,
  type LayerClass,
  lockedDownReport,
  type MonitoringLayer,
  type MonitoringSummary,
  monitoringReportPath,
  type StripCell,
  UNCLASSED_COLOUR,
} from "./monitoring";

/** What the summary request came back with: the summary, or why the trial has none (404). */
type Loaded = { summary: MonitoringSummary } | { missing: string };

/** Layer monitoring of one trial (seed 001): each layer's class by monitored epoch, the
 * anomalies, each layer's summary class and what to do, and the full HTML report. */
export function MonitoringPanel({ jobId, trial }: { jobId: string; trial: number }) {
  const loaded = useApi(
    async (): Promise<Loaded> => {
      try {
        const summary = await apiData((client) =>
          client.GET("/jobs/{job_id}/trials/{trial}/monitoring", {
            params: { path: { job_id: jobId, trial } },
          }),
        );
        return { summary };
      } catch (failure) {
        // A trial without epoch records has nothing to monitor: a state, not a failure.
        if (failure instanceof ApiError && failure.status === 404) {
          return { missing: failure.message };
        }
        throw failure;
      }
    },
    [jobId, trial],
  );

  return (
    <section className="card" aria-labelledby="monitoring-title" data-testid="monitoring-panel">
      <h2 id="monitoring-title">Layer monitoring of trial {trial}</h2>
      {loaded.error && <ErrorState message={loaded.error} onRetry={loaded.reload} />}
      {!loaded.data && !loaded.error && <LoadingState label="Loading the layer monitoring…" />}
      {loaded.data && "missing" in loaded.data && (
        <p className={styles.empty}>No layer monitoring for this trial: {loaded.data.missing}</p>
      )}
      {loaded.data && "summary" in loaded.data && (
        <MonitoringBody jobId={jobId} trial={trial} summary={loaded.data.summary} />
      )}
    </section>
  );
}

function MonitoringBody({
  jobId,
  trial,
  summary,
}: {
  jobId: string;
  trial: number;
  summary: MonitoringSummary;
}) {
  const strip = classStrip(summary);
  const notes = summary.notes ?? [];
  return (
    <>
      <p className={styles.note}>
        {strip.rows.length === 0
          ? "No layer was monitored."
          : `${strip.rows.length} layers with trainable weights, classed at ` +
            `${strip.epochs.length} of ${summary.epochs_recorded} epochs ` +
            `(every ${summary.monitor_every}).`}
      </p>
      <ReportButton jobId={jobId} trial={trial} />
      {strip.rows.length > 0 && <ClassStripTable strip={strip} />}
      <AnomalyTable summary={summary} />
      {strip.rows.length > 0 && <LayerSummaries layers={summary.layers ?? []} />}
      {notes.length > 0 && (
        <ul className={styles.monitoringNotes} data-testid="monitoring-notes">
          {notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </>
  );
}

function ClassStripTable({ strip }: { strip: ClassStrip }) {
  return (
    <>
      <h3 className={styles.monitoringHeading}>Classes by epoch</h3>
      <ul className={styles.legend} aria-label="Classes shown" data-testid="class-legend">
        {strip.legend.map((layerClass) => (
          <li key={layerClass} className={styles.legendItem}>
            <ClassSwatch layerClass={layerClass} />
            {layerClass}
          </li>
        ))}
        {strip.unclassed && (
          <li className={styles.legendItem}>
            <ClassSwatch layerClass={null} />
            not classed
          </li>
        )}
      </ul>
      <div className={styles.stripScroll}>
        <table className={styles.classStrip} data-testid="class-strip">
          <thead>
            <tr>
              <th scope="col">Layer</th>
              {strip.epochs.map((epoch) => (
                <th key={epoch} scope="col">
                  {epoch}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {strip.rows.map((row) => (
              <tr key={row.layer}>
                <th scope="row" title={row.type ?? undefined}>
                  {row.layer}
                </th>
                {row.cells.map((cell, index) => (
                  <StripCellView key={strip.epochs[index]} cell={cell} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function StripCellView({ cell }: { cell: StripCell | null }) {
  if (!cell) return <td className={styles.stripEmpty} />;
  const colour = cell.layerClass ? CLASS_COLOURS[cell.layerClass] : UNCLASSED_COLOUR;
  return (
    <td
      className={styles.stripCell}
      style={{ background: colour.background, color: colour.text }}
      title={cell.title}
      aria-label={cell.title}
      data-class={cell.layerClass ?? "none"}
    >
      {classAbbreviation(cell.layerClass)}
    </td>
  );
}

function ClassSwatch({ layerClass }: { layerClass: LayerClass | null }) {
  const colour = layerClass ? CLASS_COLOURS[layerClass] : UNCLASSED_COLOUR;
  return <span className={styles.classSwatch} style={{ background: colour.background }} />;
}

function AnomalyTable({ summary }: { summary: MonitoringSummary }) {
  const rows = anomalyRows(summary.anomalies ?? []);
  return (
    <>
      <h3 className={styles.monitoringHeading}>Anomalies</h3>
      {rows.length === 0 ? (
        <p className={styles.empty}>
          No anomaly: no metric spike, unstable class or stalled layer.
        </p>
      ) : (
        <div className={styles.stripScroll}>
          <table className={styles.monitoringTable} data-testid="anomalies">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Layer</th>
                <th scope="col">Epoch</th>
                <th scope="col" title="1.0 = just over its threshold">
                  Severity
                </th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => (
                <tr key={index}>
                  <td>{row.type}</td>
                  <td>{row.layer}</td>
                  <td>{row.epoch}</td>
                  <td>{row.severity}</td>
                  <td>{row.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function LayerSummaries({ layers }: { layers: readonly MonitoringLayer[] }) {
  return (
    <>
      <h3 className={styles.monitoringHeading}>Layers</h3>
      <div className={styles.stripScroll}>
        <table className={styles.monitoringTable} data-testid="layer-summaries">
          <thead>
            <tr>
              <th scope="col">Layer</th>
              <th scope="col">Class</th>
              <th scope="col">Priority</th>
              <th scope="col">Recommendation</th>
            </tr>
          </thead>
          <tbody>
            {layers.map((layer) => (
              <tr key={layer.name}>
                <th scope="row">
                  {layer.name}
                  {layer.type && <span className={styles.muted}> ({layer.type})</span>}
                </th>
                <td>
                  {layer.summary_class ? (
                    <>
                      <ClassSwatch layerClass={layer.summary_class} /> {layer.summary_class}{" "}
                      <span className={styles.muted}>
                        ({formatFraction(layer.summary_share, 0)} of epochs)
                      </span>
                    </>
                  ) : (
                    "not classed"
                  )}
                </td>
                <td>{layer.priority ?? "—"}</td>
                <td>{layer.recommendation}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Opens the trial's HTML report in a new tab: fetched with the token (a link could not send
 * it), drawn by the server first if the trial has none yet. */
function ReportButton({ jobId, trial }: { jobId: string; trial: number }) {
  const objectUrl = useRef<string | null>(null);

  useEffect(
    () => () => {
      if (objectUrl.current) URL.revokeObjectURL(objectUrl.current);
    },
    [],
  );

  async function reportUrl(): Promise<string> {
    const { data } = await fetchBlob(monitoringReportPath(jobId, trial));
    const page = new Blob([lockedDownReport(await data.text())], { type: "text/html" });
    if (objectUrl.current) URL.revokeObjectURL(objectUrl.current);
    objectUrl.current = URL.createObjectURL(page);
    return objectUrl.current;
  }

  return (
    <OpenInTabButton
      label="Open the monitoring report"
      busyLabel="Preparing the report…"
      testId="monitoring-report-button"
      resolve={reportUrl}
    />
  );
}
