"use client";

import Link from "next/link";

import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { apiData } from "@/lib/api/client";
import { formatScore, formatTimestamp } from "@/lib/format";
import { useApi } from "@/lib/useApi";

import { JobStatusBadge } from "./JobStatusBadge";

const REFRESH_MS = 5000; // statuses of running jobs move; a glance every few seconds is enough

/** The server's jobs, newest first, each linking to its live view. */
export function RecentJobs() {
  const jobs = useApi(() => apiData((client) => client.GET("/jobs")), [], {
    intervalMs: REFRESH_MS,
  });
  const newestFirst = jobs.data ? [...jobs.data.jobs].reverse() : [];

  return (
    <section
      className="card recent-jobs"
      aria-labelledby="recent-jobs-title"
      data-testid="recent-jobs"
    >
      <div className="section-header">
        <h2 id="recent-jobs-title">Recent runs</h2>
        <Link href="/runs">All runs, CLI runs included</Link>
      </div>
      {jobs.error && !jobs.data && <ErrorState message={jobs.error} onRetry={jobs.reload} />}
      {!jobs.data && !jobs.error && <LoadingState label="Loading runs" />}
      {jobs.data && newestFirst.length === 0 && <p className="hint">No runs yet.</p>}
      {newestFirst.length > 0 && (
        <ul className="recent-job-list">
          {newestFirst.map((job) => (
            <li key={job.job_id}>
              <Link
                href={`/run?job=${encodeURIComponent(job.job_id)}`}
                data-testid="recent-job"
                className="recent-job"
              >
                <span className="recent-job-name">{job.run_name}</span>
                <JobStatusBadge status={job.status} />
                <span className="recent-job-meta">
                  {job.dataset_name} · {job.mode.replace("_", "-")} · {job.trials_completed} /{" "}
                  {job.trials_total} trials · best {formatScore(job.best_score)}
                </span>
                <time className="recent-job-meta" dateTime={job.created_at}>
                  {formatTimestamp(job.created_at)}
                </time>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
