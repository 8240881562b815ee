"use client";

import Link from "next/link";

import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { apiData } from "@/lib/api/client";
import { formatTimestamp } from "@/lib/format";
import { useApi } from "@/lib/useApi";

import { StudyStateBadge } from "./StudyStateBadge";

const REFRESH_MS = 5000; // phases move in minutes; a glance every few seconds is enough

/** The server's comparison studies, newest first, each linking to its page. */
export function StudyList() {
  const studies = useApi(() => apiData((client) => client.GET("/comparison-study")), [], {
    intervalMs: REFRESH_MS,
  });

  return (
    <section
      className="card recent-jobs"
      aria-labelledby="study-list-title"
      data-testid="study-list"
    >
      <h2 id="study-list-title">Earlier studies</h2>
      {studies.error && !studies.data && (
        <ErrorState message={studies.error} onRetry={studies.reload} />
      )}
      {!studies.data && !studies.error && <LoadingState label="Loading studies" />}
      {studies.data && studies.data.length === 0 && <p className="hint">No studies yet.</p>}
      {studies.data && studies.data.length > 0 && (
        <ul className="recent-job-list">
          {studies.data.map((study) => {
            const modes = [study.accuracy_only_progress, study.health_aware_progress];
            const done = modes.reduce((sum, mode) => sum + mode.runs_completed, 0);
            const total = modes.reduce((sum, mode) => sum + mode.runs_total, 0);
            return (
              <li key={study.study_id}>
                <Link
                  href={`/study?id=${encodeURIComponent(study.study_id)}`}
                  data-testid="study-link"
                  className="recent-job"
                >
                  <span className="recent-job-name">{study.study_id}</span>
                  <StudyStateBadge status={study} />
                  <span className="recent-job-meta">
                    {study.dataset_name} · {done} / {total} runs
                    {study.results_available ? " · results" : ""}
                  </span>
                  <time className="recent-job-meta" dateTime={study.created_at}>
                    {formatTimestamp(study.created_at)}
                  </time>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
