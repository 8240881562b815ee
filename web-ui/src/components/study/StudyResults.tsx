"use client";

import { DownloadButton } from "@/components/best/DownloadButton";
import type {
  StudyExecutiveSummary,
  StudyResults as Results,
  StudySelectedModel,
} from "@/lib/api/types";
import { formatCount } from "@/lib/format";
import { MODE_LABELS, MODULE_NAMES, STUDY_MODES } from "@/lib/study";
import {
  formatP,
  formatParams,
  formatPercent,
  formatNumber,
  formatYesNo,
  metricFormatters,
} from "@/lib/studyFormat";

import { ModuleSection } from "./ModuleSection";
import styles from "./study.module.css";

interface StudyResultsProps {
  studyId: string;
  results: Results;
  reportAvailable: boolean;
}

/** What phase 1b found: the verdict first, then the selected models, each module, conclusions. */
export function StudyResults({ studyId, results, reportAvailable }: StudyResultsProps) {
  // Modules in the server's order; any the dashboard does not know yet come last.
  const names = Object.keys(results.modules).sort(
    (a, b) => moduleRank(a) - moduleRank(b) || a.localeCompare(b),
  );
  return (
    <div className={styles.results} data-testid="study-results">
      <section className="card" aria-labelledby="summary-title">
        <div className="section-header">
          <h2 id="summary-title">Executive summary</h2>
          <DownloadButton
            label="Download report (PDF)"
            path={
              reportAvailable
                ? `/comparison-study/${encodeURIComponent(studyId)}/report/pdf`
                : null
            }
            fallbackName={`${studyId}_report.pdf`}
            notReadyHint="The report is written at the end of the analysis."
            testId="download-report"
          />
        </div>
        <ExecutiveSummary summary={results.executive_summary} />
        {results.hypothesis && <p className={styles.hypothesis}>{results.hypothesis}</p>}
      </section>

      <section className="card" aria-labelledby="models-title">
        <h2 id="models-title">Selected models</h2>
        <SelectedModels models={results.best_models} />
        {results.design.selection && <p className="hint">{results.design.selection}</p>}
      </section>

      {names.map((name) => (
        <ModuleSection key={name} studyId={studyId} module={results.modules[name]} />
      ))}

      {results.conclusions.length > 0 && (
        <section className="card" aria-labelledby="conclusions-title" data-testid="conclusions">
          <h2 id="conclusions-title">Conclusions</h2>
          <ul className={styles.bullets}>
            {results.conclusions.map((sentence, i) => (
              <li key={i}>{sentence}</li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function moduleRank(name: string): number {
  const index = MODULE_NAMES.indexOf(name);
  return index === -1 ? MODULE_NAMES.length : index;
}

/** The comparison on the headline metrics, the verdict, and the winner only when there is one. */
export function ExecutiveSummary({ summary }: { summary: StudyExecutiveSummary }) {
  return (
    <>
      <p className={styles.verdict} data-testid="study-verdict">
        {summary.verdict}
      </p>
      {summary.winner && (
        <p className={styles.winner} data-testid="study-winner">
          Winner: <strong>{MODE_LABELS[summary.winner]}</strong>
        </p>
      )}
      <div className={styles.tableScroll}>
        <table className={styles.table} data-testid="executive-summary">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Accuracy-only</th>
              <th scope="col">Health-aware</th>
              <th scope="col">Difference</th>
              <th scope="col">p</th>
              <th scope="col">Significant</th>
            </tr>
          </thead>
          <tbody>
            {summary.rows.map((row) => {
              const format = metricFormatters(row.metric);
              return (
                <tr key={row.metric} data-significant={row.significant}>
                  <th scope="row">{row.metric}</th>
                  <td>{format.value(row.accuracy_only)}</td>
                  <td>{format.value(row.health_aware)}</td>
                  <td>{format.difference(row.difference)}</td>
                  <td>{formatP(row.p_value)}</td>
                  <td>{row.p_value === null ? "—" : formatYesNo(row.significant)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="hint">
        Means over each mode&apos;s runs; the difference reads health-aware minus accuracy-only.
      </p>
    </>
  );
}

/** Each mode's selected model: its accuracies, health and hyperparameters. */
export function SelectedModels({ models }: { models: Record<string, StudySelectedModel> }) {
  return (
    <div className={styles.tableScroll}>
      <table className={styles.table} data-testid="selected-models">
        <thead>
          <tr>
            <th scope="col">Mode</th>
            <th scope="col">Model</th>
            <th scope="col">Validation</th>
            <th scope="col">Test</th>
            <th scope="col">Holdout</th>
            <th scope="col">Health score</th>
            <th scope="col">Parameters</th>
            <th scope="col">Hyperparameters</th>
          </tr>
        </thead>
        <tbody>
          {STUDY_MODES.filter((mode) => models[mode]).map((mode) => {
            const model = models[mode];
            return (
              <tr key={mode}>
                <th scope="row">{MODE_LABELS[mode]}</th>
                <td>{model.label}</td>
                <td>{formatPercent(model.val_accuracy)}</td>
                <td>{formatPercent(model.test_accuracy)}</td>
                <td>{formatPercent(model.holdout_accuracy)}</td>
                <td>{formatNumber(model.health_score)}</td>
                <td>{formatCount(model.num_parameters)}</td>
                <td className={styles.params}>{formatParams(model.params)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
