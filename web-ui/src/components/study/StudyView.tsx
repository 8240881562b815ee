"use client";

import Link from "next/link";

import { CancelButton } from "@/components/common/CancelButton";
import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { apiData } from "@/lib/api/client";
import type { StudyStatus } from "@/lib/api/types";
import { formatTimestamp } from "@/lib/format";
import { isActive } from "@/lib/study";
import { useApi } from "@/lib/useApi";
import { useStudyStatus } from "@/lib/useStudyStatus";

import { AnalysisPanel } from "./AnalysisPanel";
import { StudyProgress } from "./StudyProgress";
import { StudyResults } from "./StudyResults";
import { StudyStateBadge } from "./StudyStateBadge";

/** `/study?id=ID`: one study's progress, its analysis controls, and its results once written. */
export function StudyView({ studyId }: { studyId: string }) {
  const { status, error, setStatus, retry } = useStudyStatus(studyId);

  if (!status) {
    return error ? (
      <ErrorState message={error} onRetry={retry} />
    ) : (
      <LoadingState label="Loading the study" />
    );
  }
  return (
    <div className="run-view" data-testid="study-view">
      <StudyHeader status={status} onStatus={setStatus} />
      {error && (
        <p className="inline-error" role="alert">
          Status updates failed: {error}
        </p>
      )}
      {status.error && (
        <p
          className={status.state === "cancelled" ? "hint" : "form-error"}
          data-testid="study-error"
        >
          {status.error}
        </p>
      )}
      <section className="card">
        <StudyProgress status={status} />
      </section>
      <AnalysisPanel status={status} onStatus={setStatus} />
      {status.results_available && <ResultsLoader status={status} />}
    </div>
  );
}

function StudyHeader({
  status,
  onStatus,
}: {
  status: StudyStatus;
  onStatus: (status: StudyStatus) => void;
}) {
  const { config } = status;
  return (
    <header className="run-header">
      <div className="run-title">
        <h1 data-testid="study-title">{status.study_id}</h1>
        <p className="run-meta">
          <StudyStateBadge status={status} testId="study-state" />
          <span>
            {status.dataset_name} · {plural(config.runs_per_mode, "run")} per mode ·{" "}
            {plural(config.trials_per_run, "trial")} ×{" "}
            {plural(config.max_epochs_per_trial, "epoch")} · health-aware weights{" "}
            {Math.round(config.health_weights.accuracy_weight * 100)}% accuracy /{" "}
            {Math.round(config.health_weights.health_weight * 100)}% health
          </span>
          <time dateTime={status.created_at}>started {formatTimestamp(status.created_at)}</time>
        </p>
      </div>
      <div className="run-actions">
        <Link href="/study" className="button button-secondary">
          New study
        </Link>
        {isActive(status) && (
          <CancelButton
            label="Cancel study"
            testId="study-cancel-button"
            cancel={() =>
              apiData((client) =>
                client.POST("/comparison-study/{study_id}/cancel", {
                  params: { path: { study_id: status.study_id } },
                }),
              )
            }
            onCancelled={onStatus}
          />
        )}
      </div>
    </header>
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Loads results.json when the analysis wrote it, and again after each new analysis. */
function ResultsLoader({ status }: { status: StudyStatus }) {
  const studyId = status.study_id;
  const results = useApi(
    () =>
      apiData((client) =>
        client.GET("/comparison-study/{study_id}/results", {
          params: { path: { study_id: studyId } },
        }),
      ),
    // A rerun analysis rewrites results.json; its end changes the phase and the update time.
    [studyId, status.phase === "analyzed" ? status.updated_at : status.phase],
  );
  if (results.error && !results.data)
    return <ErrorState message={results.error} onRetry={results.reload} />;
  if (!results.data) return <LoadingState label="Loading the results" />;
  return (
    <StudyResults
      studyId={studyId}
      results={results.data}
      reportAvailable={status.report_available}
    />
  );
}
