import Link from "next/link";
import { useMemo } from "react";

import { PlotlyFigure } from "@/components/common/PlotlyFigure";
import {
  type ComparedRun,
  curvesFigure,
  curvesTitle,
  formatMetric,
  formatValue,
  metricLabel,
  type RunComparison,
  validationMetrics,
  verdict,
} from "@/lib/compare";
import { viewsHref } from "@/lib/runs";

import styles from "./compare.module.css";

/** A comparison's answer: best metrics with each test's verdict, what differs in params and
 * settings, the best trials' validation curves overlaid, and the comparison's notes. */
export function ComparisonResult({ comparison }: { comparison: RunComparison }) {
  const runs = comparison.runs;
  const notes = comparison.notes ?? [];
  return (
    <>
      <section className="card" aria-labelledby="metrics-title">
        <h2 id="metrics-title">Best metrics</h2>
        <p className={styles.muted}>
          Each run&apos;s best trial. The test compares the runs&apos; complete trials (α ={" "}
          {comparison.alpha}, at least {comparison.min_trials} trials each).
        </p>
        <div className={styles.scroll}>
          <table className={styles.table} aria-label="Best metrics per run">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                {runs.map((run) => (
                  <th scope="col" key={run.name}>
                    <Link href={viewsHref(run.name)}>{run.name}</Link>
                  </th>
                ))}
                <th scope="col">Difference</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">Best trial</th>
                {runs.map((run) => (
                  <td key={run.name}>
                    {run.best_trial ?? "—"}{" "}
                    <span className={styles.muted}>of {run.trials_complete} complete</span>
                  </td>
                ))}
                <td />
              </tr>
              {comparison.metrics.map((metric) => {
                const said = verdict(metric);
                return (
                  <tr key={metric.metric} data-metric={metric.metric}>
                    <th scope="row">{metricLabel(metric.metric)}</th>
                    {runs.map((run) => (
                      <td key={run.name}>{formatMetric(metric.metric, metric.values[run.name])}</td>
                    ))}
                    <td className={styles[said.tone]} data-testid="metric-verdict">
                      {said.text}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="differences-title">
        <h2 id="differences-title">What differs</h2>
        <Differences
          label="Parameters that differ"
          heading="Best trial's parameter"
          rows={comparison.param_differences ?? {}}
          runs={runs}
          empty="The best trials share every parameter value."
        />
        <Differences
          label="Settings that differ"
          heading="Setting"
          rows={comparison.setting_differences ?? {}}
          runs={runs}
          empty="The runs share every setting."
        />
      </section>
      <Curves runs={runs} />
      {notes.length > 0 && (
        <section className="card" aria-labelledby="compare-notes-title">
          <h2 id="compare-notes-title">Notes</h2>
          <ul className={styles.notes}>
            {notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

function Differences({
  label,
  heading,
  rows,
  runs,
  empty,
}: {
  label: string;
  heading: string;
  rows: Record<string, Record<string, unknown>>;
  runs: readonly ComparedRun[];
  empty: string;
}) {
  const keys = Object.keys(rows).sort();
  return (
    <>
      <h3 className={styles.subheading}>{label}</h3>
      {keys.length === 0 ? (
        <p className={styles.muted}>{empty}</p>
      ) : (
        <div className={styles.scroll}>
          <table className={styles.table} aria-label={label}>
            <thead>
              <tr>
                <th scope="col">{heading}</th>
                {runs.map((run) => (
                  <th scope="col" key={run.name}>
                    {run.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key}>
                  <th scope="row">
                    <code>{key}</code>
                  </th>
                  {runs.map((run) => (
                    <td key={run.name}>{formatValue(rows[key][run.name])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function Curves({ runs }: { runs: readonly ComparedRun[] }) {
  // Memoised: a new figure object would make plotly draw the chart again on every render.
  const figures = useMemo(
    () => validationMetrics(runs).map((metric) => ({ metric, figure: curvesFigure(runs, metric) })),
    [runs],
  );
  return (
    <section className="card" aria-labelledby="curves-title">
      <h2 id="curves-title">Learning curves of the best trials</h2>
      {figures.length === 0 ? (
        <p className={styles.muted}>No run&apos;s best trial recorded a validation curve.</p>
      ) : (
        <div className={styles.curves}>
          {figures.map(({ metric, figure }) => (
            <div key={metric}>
              <h3 className={styles.chartTitle}>{curvesTitle(metric)}</h3>
              <PlotlyFigure figure={figure} title={curvesTitle(metric)} testId={`curves-${metric}`} />
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
