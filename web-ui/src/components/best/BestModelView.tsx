"use client";

import Link from "next/link";

import { apiData } from "@/lib/api/client";
import { useApi } from "@/lib/useApi";
import { jobPath, REFRESH_MS, useJobStatus, useRereadWhenJobEnds } from "@/lib/useJobStatus";
import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";

import { ArchitectureExplorer } from "./ArchitectureExplorer";
import { BestMetrics } from "./BestMetrics";
import styles from "./best.module.css";
import { DiagnosticsList } from "./DiagnosticsList";
import { DownloadBar } from "./DownloadBar";
import { HealthRadar } from "./HealthRadar";
import { MonitoringPanel } from "./MonitoringPanel";
import { PlotsGrid } from "./PlotsGrid";
import { TensorBoardButton } from "./TensorBoardButton";

/** The best trial of a job: metrics, health, diagnostics, architecture, plots and files. */
export function BestModelView({ jobId }: { jobId: string }) {
  // While the job runs, a better trial or the assembled model can appear at any moment.
  const { status, jobActive, polling } = useJobStatus(jobId);
  const refresh = { intervalMs: polling ? REFRESH_MS : 0 };
  const best = useApi(
    () => apiData((client) => client.GET("/jobs/{job_id}/best-model", jobPath(jobId))),
    [jobId],
    refresh,
  );
  const plots = useApi(
    () => apiData((client) => client.GET("/jobs/{job_id}/plots", jobPath(jobId))),
    [jobId],
    refresh,
  );

  useRereadWhenJobEnds(jobActive, () => {
    best.reload();
    plots.reload();
  });

  if (!best.data) {
    return (
      <div className={styles.page}>
        <PageHeading jobId={jobId} />
        <BestModelPending
          jobError={status.error}
          bestError={best.error}
          jobActive={jobActive}
          onRetry={() => {
            status.reload();
            best.reload();
          }}
        />
      </div>
    );
  }

  const allPlots = plots.data?.plots ?? [];
  const trialPlots = allPlots.filter((plot) => plot.trial === best.data?.trial_number);
  return (
    <div className={styles.page}>
      <PageHeading jobId={jobId} trial={best.data.trial_number} runName={best.data.run_name} />
      {jobActive && (
        <p className={styles.note} aria-live="polite">
          The job is still running: this page updates itself as better trials finish.
        </p>
      )}
      <div className={styles.actions}>
        <DownloadBar best={best.data} plotCount={allPlots.length} />
        <TensorBoardButton jobId={jobId} />
      </div>
      <div className={styles.columns}>
        <BestMetrics best={best.data} />
        <HealthRadar health={best.data.health} compositeHealth={best.data.health_score} />
      </div>
      <DiagnosticsList diagnostics={best.data.diagnostics} />
      <ArchitectureExplorer best={best.data} name={best.data.run_name} />
      <MonitoringPanel key={best.data.trial_number} jobId={jobId} trial={best.data.trial_number} />
      <section className="card" aria-labelledby="plots-title">
        <h2 id="plots-title">Plots of trial {best.data.trial_number}</h2>
        {plots.error && <ErrorState message={plots.error} onRetry={plots.reload} />}
        {!plots.data && !plots.error && <LoadingState label="Loading the plots…" />}
        {plots.data && trialPlots.length === 0 && (
          <p className={styles.empty}>No plots were drawn for this trial.</p>
        )}
        {trialPlots.length > 0 && <PlotsGrid plots={trialPlots} />}
      </section>
    </div>
  );
}

/** What stands in for the page until the best model arrives. */
function BestModelPending({
  jobError,
  bestError,
  jobActive,
  onRetry,
}: {
  jobError: string | null;
  bestError: string | null;
  jobActive: boolean;
  onRetry: () => void;
}) {
  if (jobError) return <ErrorState message={jobError} onRetry={onRetry} />;
  // A running job has no best model until its first trial completes: a wait, not an error.
  if (bestError && jobActive) {
    return <LoadingState label="Waiting for the first trial to finish…" />;
  }
  if (bestError) return <ErrorState message={bestError} onRetry={onRetry} />;
  return <LoadingState label="Loading the best model…" />;
}

function PageHeading({
  jobId,
  trial,
  runName,
}: {
  jobId: string;
  trial?: number;
  runName?: string;
}) {
  return (
    <header className={styles.heading}>
      <h1>{trial === undefined ? "Best model" : `Best model: trial ${trial}`}</h1>
      {runName && <p className={styles.muted}>{runName}</p>}
      <Link href={`/run?job=${encodeURIComponent(jobId)}`}>Back to the run</Link>
    </header>
  );
}
