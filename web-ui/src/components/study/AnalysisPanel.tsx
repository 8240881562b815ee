"use client";

import { useState } from "react";

import { apiData, errorMessage } from "@/lib/api/client";
import type { StudyStatus } from "@/lib/api/types";
import { canAnalyze, isActive, MODULE_NAMES, moduleTitle } from "@/lib/study";

import { ModuleChecklist } from "./ModuleChecklist";
import styles from "./study.module.css";

interface AnalysisPanelProps {
  status: StudyStatus;
  onStatus: (status: StudyStatus) => void;
}

/** Phase 1b: which modules to run once the models are built, and the analysis in progress. */
export function AnalysisPanel({ status, onStatus }: AnalysisPanelProps) {
  const { analysis } = status;
  const analysing = status.phase === "analyzing" && isActive(status);
  const form = (
    <AnalysisForm
      key={status.updated_at}
      studyId={status.study_id}
      again={status.results_available}
      initial={analysis.modules_requested.length > 0 ? analysis.modules_requested : MODULE_NAMES}
      onStatus={onStatus}
    />
  );
  return (
    <section className="card" aria-labelledby="phase-1b-title" data-testid="analysis-panel">
      <h2 id="phase-1b-title">Phase 1b: analysis</h2>
      {status.phase === "building" && !isActive(status) && (
        <p className="hint" data-testid="analysis-waiting">
          Phase 1a stopped before both modes&apos; models were built, so there is nothing to
          analyse yet.
        </p>
      )}
      {status.phase === "building" && isActive(status) && (
        <p className="hint" data-testid="analysis-waiting">
          {analysis.modules_requested.length > 0
            ? `Starts by itself once both modes' models are built: ` +
              `${titles(analysis.modules_requested)}.`
            : "Once both modes' models are built, choose the analysis modules here."}
        </p>
      )}
      {analysing && <AnalysisProgressView status={status} />}
      {isActive(status) && status.phase !== "building" && status.phase !== "analyzing" && (
        <p className="hint" data-testid="analysis-queued">
          Analysis queued: it starts when the server has no other study running.
        </p>
      )}
      {canAnalyze(status) &&
        (status.results_available ? (
          // The results below are what matters now; running again is one click away.
          <details className={styles.rerun} data-testid="analysis-rerun">
            <summary>Run the analysis again with other modules</summary>
            {form}
          </details>
        ) : (
          form
        ))}
    </section>
  );
}

function titles(names: readonly string[]): string {
  return names.map(moduleTitle).join(", ");
}

/** The module in progress and how many of the requested ones are done. */
export function AnalysisProgressView({ status }: { status: StudyStatus }) {
  const { modules_requested: requested, modules_completed: completed } = status.analysis;
  const done = completed.filter((name) => requested.includes(name)).length;
  const percent = requested.length > 0 ? (done / requested.length) * 100 : 0;
  const current = status.analysis.current_module;
  return (
    <div aria-live="polite" data-testid="analysis-progress">
      <div
        className="progress-bar"
        role="progressbar"
        aria-label="Analysis modules finished"
        aria-valuemin={0}
        aria-valuemax={requested.length}
        aria-valuenow={done}
      >
        <span style={{ width: `${Math.min(100, percent)}%` }} />
      </div>
      <dl className="stats">
        <div>
          <dt>Modules</dt>
          <dd data-testid="analysis-count">
            {done} / {requested.length}
          </dd>
        </div>
        <div className={styles.wideStat}>
          <dt>Current module</dt>
          <dd data-testid="analysis-current">
            {current
              ? moduleTitle(current)
              : status.ablation_progress &&
                  status.ablation_progress.components_completed <
                    status.ablation_progress.components_total
                ? "ablation optimizations"
                : done === requested.length && requested.length > 0
                  ? "writing the report"
                  : "starting"}
          </dd>
        </div>
      </dl>
    </div>
  );
}

interface AnalysisFormProps {
  studyId: string;
  again: boolean;
  initial: readonly string[];
  onStatus: (status: StudyStatus) => void;
}

function AnalysisForm({ studyId, again, initial, onStatus }: AnalysisFormProps) {
  const [modules, setModules] = useState<string[]>(() => [...initial]);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function start() {
    if (modules.length === 0) {
      setError("Choose at least one analysis module");
      return;
    }
    setSending(true);
    setError(null);
    try {
      const status = await apiData((client) =>
        client.POST("/comparison-study/{study_id}/analyze", {
          params: { path: { study_id: studyId } },
          body: { modules_to_run: modules },
        }),
      );
      onStatus(status);
    } catch (failure) {
      setError(errorMessage(failure));
      setSending(false);
    }
  }

  return (
    <div className={styles.analysisForm}>
      <ModuleChecklist
        legend="Analysis modules"
        testIdPrefix="analysis-module"
        selected={modules}
        disabled={sending}
        onChange={setModules}
      />
      {error && (
        <p className="form-error" role="alert" data-testid="analysis-error">
          {error}
        </p>
      )}
      <button
        type="button"
        className="button button-primary"
        data-testid="run-analysis-button"
        disabled={sending}
        onClick={() => void start()}
      >
        {sending ? "Starting…" : again ? "Run analysis again" : "Run analysis"}
      </button>
    </div>
  );
}
