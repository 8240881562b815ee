"use client";

import Link from "next/link";
import { useCallback } from "react";

import styles from "@/components/runs/runs.module.css";
import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { isFinal } from "@/lib/progress";
import { trialsHref, viewsHref } from "@/lib/runs";
import { loadAllJobTrials, loadJobTrialPage, type PageQuery } from "@/lib/trialPages";
import { bestTrialNumber } from "@/lib/trials";
import { useApi } from "@/lib/useApi";
import { useJobProgress } from "@/lib/useJobProgress";

import { ComputePanel } from "./ComputePanel";
import { RunHeader } from "./RunHeader";
import { RunProgress } from "./RunProgress";
import { ScoreChart } from "./ScoreChart";
import { TrialGallery } from "./TrialGallery";

/** The live view of one job: progress, compute used and saved, the score chart and the trial
 * gallery, with links to the run's trial list and views. */
export function RunView({ jobId }: { jobId: string }) {
  const progress = useJobProgress(jobId);
  const status = progress.status;
  const ended = status ? isFinal(status.status) : false;
  // Reload the trials whenever one finishes (event or polled count) and once the job ends.
  const changed = [progress.trialsFinished, status?.trials_completed, ended].join();
  // The score chart shows every trial, so it reads them all, page by page; the gallery reads
  // only the pages of the cards in view (loadPage).
  const trials = useApi(() => loadAllJobTrials(jobId), [jobId, changed]);
  const loadPage = useCallback((query: PageQuery) => loadJobTrialPage(jobId, query), [jobId]);

  if (!status) {
    return progress.error ? (
      <ErrorState message={progress.error} onRetry={progress.retry} />
    ) : (
      <LoadingState label="Connecting to the job" />
    );
  }

  const trialList = trials.data?.trials;
  // The trials list is re-read after every trial, so its summary is the freshest.
  const compute = trials.data?.compute ?? status.compute ?? null;
  const best = bestTrialNumber(trialList ?? [], status.best_trial);
  return (
    <div className="run-view">
      <RunHeader
        status={status}
        mode={progress.mode}
        hasBest={best !== null}
        onStatus={progress.setStatus}
      />
      {progress.error && (
        <p className="inline-error" role="alert">
          Status updates failed: {progress.error}
        </p>
      )}
      {progress.notice && <p className="hint">{progress.notice}</p>}
      <nav className={styles.links} aria-label="This run">
        <Link href={trialsHref(status.run_name)}>All trials (table and export)</Link>
        <Link href={viewsHref(status.run_name)}>Views of the run</Link>
      </nav>
      <section className="card">
        <RunProgress status={status} epochs={progress.epochs} />
      </section>
      {compute && (
        <section className="card" data-testid="compute">
          <h2>Compute</h2>
          <ComputePanel compute={compute} />
        </section>
      )}
      <section className="card">
        <h2>Total score by trial</h2>
        {trials.error && <ErrorState message={trials.error} onRetry={trials.reload} />}
        {!trials.data && !trials.error && <LoadingState label="Loading trials" />}
        {trialList && <ScoreChart trials={trialList} />}
      </section>
      <section className="card">
        <TrialGallery
          key={jobId}
          loadPage={loadPage}
          refreshKey={changed}
          bestTrial={best}
          run={status.run_name}
        />
      </section>
    </div>
  );
}
