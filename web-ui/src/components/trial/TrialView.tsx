"use client";

import Link from "next/link";

import { ArchitectureExplorer, type ExplorableModel } from "@/components/best/ArchitectureExplorer";
import { DiagnosticsList } from "@/components/best/DiagnosticsList";
import { DownloadButton } from "@/components/best/DownloadButton";
import { HealthRadar } from "@/components/best/HealthRadar";
import { MonitoringPanel } from "@/components/best/MonitoringPanel";
import { PlotsGrid } from "@/components/best/PlotsGrid";
import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { TrialStateBadge } from "@/components/runs/TrialStateBadge";
import {
  loadNeighbours,
  loadTrialDetail,
  type TrialDetail,
  trialHref,
  trialsHref,
  viewsHref,
} from "@/lib/runs";
import { isFailed, isPruned, pruneLabel } from "@/lib/trials";
import { useApi } from "@/lib/useApi";

import { LearningCurves } from "./LearningCurves";
import { TrialMetricsCard, TrialParamsCard } from "./TrialFacts";
import styles from "./trial.module.css";

/** Any trial of any run: its state and why, numbers, hyperparameters, health, learning
 * curves, diagnostics, architecture, layer monitoring, plots and files. */
export function TrialView({ run, trial }: { run: string; trial: number }) {
  const detail = useApi(() => loadTrialDetail(run, trial), [run, trial]);
  return (
    <div className={styles.page}>
      <TrialHeading run={run} trial={trial} detail={detail.data} />
      {detail.error && <ErrorState message={detail.error} onRetry={detail.reload} />}
      {!detail.data && !detail.error && <LoadingState label={`Loading trial ${trial}…`} />}
      {detail.data && <TrialBody detail={detail.data} />}
    </div>
  );
}

function TrialHeading({
  run,
  trial,
  detail,
}: {
  run: string;
  trial: number;
  detail: TrialDetail | null;
}) {
  return (
    <header className={styles.heading}>
      <h1 className={styles.title}>
        Trial {trial}
        {detail && <TrialStateBadge state={detail.trial.state} />}
        {detail?.is_best && <span className="badge badge-best">Best</span>}
      </h1>
      <p className={styles.muted}>{run}</p>
      <p className={styles.links}>
        <Link href={trialsHref(run)}>All trials of the run</Link>
        <Link href={viewsHref(run)}>Views of the run</Link>
        {detail?.job_id && (
          <Link href={`/run?job=${encodeURIComponent(detail.job_id)}`}>
            The job&apos;s live view
          </Link>
        )}
      </p>
      <TrialStepper run={run} trial={trial} />
    </header>
  );
}

/** Links to the trials numbered just before and after this one in the run. */
function TrialStepper({ run, trial }: { run: string; trial: number }) {
  const near = useApi(() => loadNeighbours(run, trial), [run, trial]);
  if (!near.data) return null;
  const { previous, next } = near.data;
  return (
    <nav className={styles.stepper} aria-label="Other trials">
      {previous !== null && (
        <Link href={trialHref(run, previous)} rel="prev">
          ← Trial {previous}
        </Link>
      )}
      {next !== null && (
        <Link href={trialHref(run, next)} rel="next">
          Trial {next} →
        </Link>
      )}
    </nav>
  );
}

function TrialBody({ detail }: { detail: TrialDetail }) {
  const { trial, run } = detail;
  const notes = detail.notes ?? [];
  return (
    <>
      <StateReason trial={trial} />
      <div className={styles.downloads}>
        <DownloadButton
          label="Download model (.keras)"
          path={detail.model_url ?? null}
          fallbackName={`${run}_trial_${trial.number}.keras`}
          notReadyHint="Only a trial that completed saves its model."
          testId="download-trial-model"
        />
        <DownloadButton
          label="Download plots (.zip)"
          path={detail.plots_zip_url ?? null}
          fallbackName={`${run}_trial_${trial.number}_plots.zip`}
          notReadyHint="No plots were drawn for this trial."
          testId="download-trial-plots"
        />
      </div>
      <div className={styles.columns}>
        <TrialMetricsCard trial={trial} rank={detail.rank ?? null} />
        <TrialParamsCard params={trial.params} />
      </div>
      <LearningCurves curves={detail.learning_curves} trial={trial.number} />
      <HealthRadar health={trial.health} compositeHealth={trial.health_score ?? null} />
      <DiagnosticsList diagnostics={detail.diagnostics} />
      {detail.architecture && (
        <ArchitectureExplorer best={architectureOf(detail)} name={`${run}_trial_${trial.number}`} />
      )}
      {detail.job_id && detail.monitoring_url && (
        <MonitoringPanel key={trial.number} jobId={detail.job_id} trial={trial.number} />
      )}
      <section className="card" aria-labelledby="trial-plots-title">
        <h2 id="trial-plots-title">Plots of trial {trial.number}</h2>
        {detail.plots.length === 0 ? (
          <p className={styles.muted}>No plots were drawn for this trial.</p>
        ) : (
          <PlotsGrid plots={detail.plots} />
        )}
      </section>
      {notes.length > 0 && (
        <section className="card" aria-labelledby="trial-notes-title">
          <h2 id="trial-notes-title">What is missing</h2>
          <ul className={styles.notes} data-testid="trial-notes">
            {notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

/** Why a trial stopped early, when it did: its error, or who pruned it at which epoch. */
function StateReason({ trial }: { trial: TrialDetail["trial"] }) {
  if (isFailed(trial)) {
    return (
      <p className={styles.reasonFailed} role="note" data-testid="trial-reason">
        Failed: {trial.error || "the trial failed without a recorded reason."}
      </p>
    );
  }
  if (isPruned(trial)) {
    return (
      <p className={styles.reasonPruned} role="note" data-testid="trial-reason">
        {trial.pruned ? (
          <>
            Pruned: {pruneLabel(trial.pruned)}. {trial.pruned.reason}
          </>
        ) : (
          "Pruned without a recorded reason."
        )}
      </p>
    );
  }
  return null;
}

/** The part of a trial's detail the architecture explorer reads. */
function architectureOf(detail: TrialDetail): ExplorableModel {
  return {
    architecture: detail.architecture ?? null,
    layer_health: detail.layer_health,
    diagnostics: detail.diagnostics,
    architecture_svg_url: detail.architecture_svg_url ?? null,
    architecture_pdf_url: detail.architecture_pdf_url ?? null,
  };
}
