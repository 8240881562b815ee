"use client";

import Link from "next/link";
import { useState } from "react";

import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { apiData } from "@/lib/api/client";
import { useApi } from "@/lib/useApi";
import { jobPath, REFRESH_MS, useJobStatus, useRereadWhenJobEnds } from "@/lib/useJobStatus";

import { ParetoChart } from "./ParetoChart";
import { initialTrial } from "./paretoGeometry";
import styles from "./pareto.module.css";
import { TrialDetails } from "./TrialDetails";

/** A pareto run: every trial on (val accuracy, health), the front, the chosen member and the
 * rule that chose it; a click on a point opens that trial. */
export function ParetoFrontView({ jobId }: { jobId: string }) {
  // While the job runs, every finished trial can move the front.
  const { status, jobActive, polling } = useJobStatus(jobId);
  const refresh = { intervalMs: polling ? REFRESH_MS : 0 };
  const pareto = useApi(
    () => apiData((client) => client.GET("/jobs/{job_id}/pareto", jobPath(jobId))),
    [jobId],
    refresh,
  );
  const plots = useApi(
    () => apiData((client) => client.GET("/jobs/{job_id}/plots", jobPath(jobId))),
    [jobId],
    refresh,
  );
  useRereadWhenJobEnds(jobActive, () => {
    pareto.reload();
    plots.reload();
  });

  const [picked, setPicked] = useState<number | null>(null);
  const view = pareto.data;
  if (!view) {
    return (
      <div className={styles.page}>
        <Heading jobId={jobId} />
        {pareto.error && polling && !status.error ? (
          <LoadingState label="Waiting for the first trial to finish…" />
        ) : pareto.error || status.error ? (
          <ErrorState
            message={(pareto.error ?? status.error) as string}
            onRetry={() => {
              status.reload();
              pareto.reload();
            }}
          />
        ) : (
          <LoadingState label="Loading the Pareto front…" />
        )}
      </div>
    );
  }

  const points = view.points;
  const selected = points.some((p) => p.trial === picked)
    ? picked
    : initialTrial(points, view.chosen_trial);
  const point = points.find((p) => p.trial === selected);
  return (
    <div className={styles.page}>
      <Heading jobId={jobId} runName={view.run_name} />
      {jobActive && (
        <p className={styles.muted} aria-live="polite">
          The job is still running: the front updates as trials finish.
        </p>
      )}
      <section className="card" aria-labelledby="front-title">
        <h2 id="front-title">
          {points.length} trials, {view.front.length} on the front
        </h2>
        <p className={styles.rule} data-testid="pareto-rule">
          {view.chosen_trial === null ? (
            "No trial chosen yet."
          ) : (
            <>
              Chosen: <strong>trial {view.chosen_trial}</strong>
              {view.rule_description ? `, ${view.rule_description}` : ""}
              {view.rule ? ` (${view.rule})` : ""}.
            </>
          )}
        </p>
        <p className={styles.muted}>
          Both axes are maximised. Health is the skill-gated health term; a trial whose health
          could not be computed sits at 0. Select a point to open its trial.
        </p>
        <ParetoChart points={points} selected={selected} onSelect={setPicked} />
      </section>
      {point && (
        <TrialDetails
          point={point}
          runName={view.run_name}
          plots={plots.data ? plots.data.plots : plots.error ? [] : null}
        />
      )}
    </div>
  );
}

function Heading({ jobId, runName }: { jobId: string; runName?: string }) {
  const job = encodeURIComponent(jobId);
  return (
    <header className={styles.heading}>
      <h1>Pareto front</h1>
      {runName && <p className={styles.muted}>{runName}</p>}
      <p>
        <Link href={`/run?job=${job}`}>Back to the run</Link> ·{" "}
        <Link href={`/best?job=${job}`}>Chosen model</Link>
      </p>
    </header>
  );
}
