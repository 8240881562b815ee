"use client";

import Link from "next/link";
import { useId, useState } from "react";

import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import type { TrialSummary } from "@/lib/api/types";
import { formatCount, formatFraction, formatScore } from "@/lib/format";
import {
  loadTrialPage,
  PAGE_SIZE,
  pageRange,
  TRIAL_STATES,
  type TrialState,
  trialHref,
  viewsHref,
} from "@/lib/runs";
import { isFailed, isPruned, metric, pruneLabel } from "@/lib/trials";
import { useApi } from "@/lib/useApi";

import { ExportMenu } from "./ExportMenu";
import { TrialStateBadge } from "./TrialStateBadge";
import styles from "./runs.module.css";

const STATE_LABELS: Record<TrialState, string> = {
  COMPLETE: "Complete",
  PRUNED: "Pruned",
  FAIL: "Failed",
};

/** One run's trials, a page at a time, filterable by state; each row opens its trial. */
export function TrialsTable({ run }: { run: string }) {
  const [offset, setOffset] = useState(0);
  const [state, setState] = useState<TrialState | null>(null);
  const filterId = useId();
  const page = useApi(
    () => loadTrialPage(run, { offset, limit: PAGE_SIZE, state }),
    [run, offset, state],
  );
  const trials = page.data?.trials ?? [];
  const total = page.data?.total ?? 0;

  return (
    <div className={styles.page}>
      <header className={styles.heading}>
        <h1>Trials of {run}</h1>
        <p className={styles.links}>
          <Link href="/runs">All runs</Link>
          <Link href={viewsHref(run)}>Views of this run</Link>
        </p>
      </header>
      <section className="card" aria-label="Trials">
        <div className={styles.toolbar}>
          <div className="inline-field">
            <label htmlFor={filterId}>State</label>
            <select
              id={filterId}
              value={state ?? ""}
              onChange={(event) => {
                setState((event.target.value || null) as TrialState | null);
                setOffset(0); // a new filter starts on its first page
              }}
            >
              <option value="">All</option>
              {TRIAL_STATES.map((name) => (
                <option key={name} value={name}>
                  {STATE_LABELS[name]}
                </option>
              ))}
            </select>
          </div>
          <ExportMenu run={run} />
        </div>
        {page.error && <ErrorState message={page.error} onRetry={page.reload} />}
        {!page.data && !page.error && <LoadingState label="Loading trials" />}
        {page.data && total === 0 && (
          <p className="hint">
            {state ? `No ${STATE_LABELS[state].toLowerCase()} trials.` : "No trial has finished."}
          </p>
        )}
        {trials.length > 0 && (
          <div className={styles.tableScroll}>
            <table className={styles.table} aria-label={`Trials of ${run}`}>
              <thead>
                <tr>
                  <th scope="col">Trial</th>
                  <th scope="col">State</th>
                  <th scope="col" className={styles.number}>
                    Val accuracy
                  </th>
                  <th scope="col" className={styles.number}>
                    Health
                  </th>
                  <th scope="col" className={styles.number}>
                    Total score
                  </th>
                  <th scope="col" className={styles.number}>
                    Parameters
                  </th>
                  <th scope="col" className={styles.number}>
                    Epochs
                  </th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {trials.map((trial) => (
                  <TrialRow key={trial.number} run={run} trial={trial} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {page.data && total > 0 && (
          <nav className={styles.pager} aria-label="Pages of trials">
            <button
              type="button"
              className="button button-secondary"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
            >
              Previous page
            </button>
            <span data-testid="trial-range">{pageRange(offset, trials.length, total)}</span>
            <button
              type="button"
              className="button button-secondary"
              disabled={offset + trials.length >= total}
              onClick={() => setOffset(offset + PAGE_SIZE)}
            >
              Next page
            </button>
          </nav>
        )}
      </section>
    </div>
  );
}

function TrialRow({ run, trial }: { run: string; trial: TrialSummary }) {
  const failed = isFailed(trial);
  const pruned = isPruned(trial);
  const reason = failed
    ? trial.error || "failed without a recorded reason"
    : pruned
      ? trial.pruned
        ? pruneLabel(trial.pruned)
        : "pruned without a recorded reason"
      : "";
  return (
    <tr data-testid="trial-row" data-trial={trial.number} data-state={trial.state}>
      <th scope="row">
        <Link href={trialHref(run, trial.number)}>Trial {trial.number}</Link>
      </th>
      <td>
        <TrialStateBadge state={trial.state} />
      </td>
      <td className={styles.number}>{formatFraction(metric(trial, "val_accuracy"))}</td>
      <td className={styles.number}>{formatFraction(trial.health_score)}</td>
      <td className={styles.number}>{formatScore(trial.total_score)}</td>
      <td className={styles.number}>{failed ? "—" : formatCount(trial.num_parameters)}</td>
      <td className={styles.number}>{trial.epochs_run}</td>
      <td className={styles.reason}>{reason}</td>
    </tr>
  );
}
