"use client";

import Link from "next/link";

import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { formatFraction, formatTimestamp } from "@/lib/format";
import { loadRuns, type RunSummary, trialsHref, viewsHref } from "@/lib/runs";
import { useApi } from "@/lib/useApi";

import styles from "./runs.module.css";

const REFRESH_MS = 10000; // a job's run gains trials while it runs; CLI runs appear on disk

/** Every run in the server's results folder, jobs and CLI runs alike, newest first. */
export function RunsTable() {
  const runs = useApi(loadRuns, [], { intervalMs: REFRESH_MS });
  const list = runs.data?.runs ?? [];
  return (
    <div className={styles.page}>
      <header className={styles.heading}>
        <h1>Runs</h1>
        <p className={styles.muted}>
          Every run in the server&apos;s results folder: its own jobs and runs made with{" "}
          <code>healthopt optimize</code>. Open a run&apos;s trials or its views.
        </p>
      </header>
      <section className="card" aria-labelledby="runs-title">
        <h2 id="runs-title">All runs</h2>
        {runs.error && <ErrorState message={runs.error} onRetry={runs.reload} />}
        {!runs.data && !runs.error && <LoadingState label="Loading runs" />}
        {runs.data && list.length === 0 && (
          <p className="hint">No runs in the results folder yet.</p>
        )}
        {list.length > 0 && (
          <div className={styles.tableScroll}>
            <table className={styles.table} aria-label="Runs">
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Source</th>
                  <th scope="col">Dataset</th>
                  <th scope="col">Mode</th>
                  <th scope="col" className={styles.number}>
                    Trials
                  </th>
                  <th scope="col" className={styles.number}>
                    Best val accuracy
                  </th>
                  <th scope="col">Modified</th>
                  <th scope="col">Open</th>
                </tr>
              </thead>
              <tbody>
                {list.map((run) => (
                  <RunRow key={run.name} run={run} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

function RunRow({ run }: { run: RunSummary }) {
  const broken = Boolean(run.error);
  return (
    <tr data-testid="run-row" data-run={run.name} data-error={broken ? "true" : undefined}>
      <th scope="row">{run.name}</th>
      <td>
        <RunSource run={run} />
      </td>
      <td>{run.dataset ?? "—"}</td>
      <td>{run.mode ? run.mode.replace("_", "-") : "—"}</td>
      <td className={styles.number}>
        <TrialCounts run={run} />
      </td>
      <td className={styles.number}>{formatFraction(run.best_val_accuracy)}</td>
      <td>
        <time dateTime={run.modified}>{formatTimestamp(run.modified)}</time>
      </td>
      <td>
        {broken ? (
          <span className={styles.error} role="note">
            {run.error}
          </span>
        ) : (
          <span className={styles.links}>
            <Link href={trialsHref(run.name)} aria-label={`Trials of ${run.name}`}>
              Trials
            </Link>
            <Link href={viewsHref(run.name)} aria-label={`Views of ${run.name}`}>
              Views
            </Link>
          </span>
        )}
      </td>
    </tr>
  );
}

/** "job" with a link to its live view (and the job's status), or "CLI". */
function RunSource({ run }: { run: RunSummary }) {
  if (run.source !== "job" || !run.job_id) return <>CLI</>;
  return (
    <>
      <Link href={`/run?job=${encodeURIComponent(run.job_id)}`} aria-label={`Job of ${run.name}`}>
        job
      </Link>
      {run.job_status && <span className={styles.muted}> ({run.job_status})</span>}
    </>
  );
}

/** Finished of requested, with how many of them were pruned or failed. */
function TrialCounts({ run }: { run: RunSummary }) {
  const requested = run.trials_requested ?? null;
  const others = [
    run.trials_pruned ? `${run.trials_pruned} pruned` : null,
    run.trials_failed ? `${run.trials_failed} failed` : null,
  ].filter(Boolean);
  return (
    <>
      {requested === null ? run.trials_finished : `${run.trials_finished} / ${requested}`}
      {others.length > 0 && <span className={styles.muted}> ({others.join(", ")})</span>}
    </>
  );
}
