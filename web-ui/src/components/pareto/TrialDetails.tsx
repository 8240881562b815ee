"use client";

import { DownloadButton } from "@/components/best/DownloadButton";
import { PlotsGrid } from "@/components/best/PlotsGrid";
import { TermValue } from "@/components/common/TermValue";
import type { ParetoPoint, PlotFile } from "@/lib/api/types";
import { formatCount, formatFraction, formatScore } from "@/lib/format";

import styles from "./pareto.module.css";

/** One trial opened from the Pareto chart: its numbers, its plots and its own model. */
export function TrialDetails({
  point,
  runName,
  plots,
}: {
  point: ParetoPoint;
  runName: string;
  /** The job's plots (all trials), or null while they load. */
  plots: readonly PlotFile[] | null;
}) {
  const trialPlots = (plots ?? []).filter((plot) => plot.trial === point.trial);
  return (
    <section
      className="card"
      aria-labelledby="trial-title"
      data-testid="pareto-trial"
      data-trial={point.trial}
    >
      <h2 id="trial-title">Trial {point.trial}</h2>
      <p className={styles.badges}>
        {point.chosen && <span className={styles.badge}>chosen</span>}
        <span className={styles.badge}>{point.on_front ? "on the front" : "dominated"}</span>
      </p>
      <dl className={styles.metrics}>
        <TermValue term="Val accuracy" value={formatFraction(point.val_accuracy, 2)} />
        <TermValue term="Health (gated)" value={formatScore(point.health)} />
        <TermValue term="Test accuracy" value={formatFraction(point.test_accuracy, 2)} />
        <TermValue term="Total score" value={formatScore(point.total_score)} />
        <TermValue term="Parameters" value={formatCount(point.num_parameters)} />
      </dl>
      <div className={styles.trialActions}>
        <DownloadButton
          label="Download model"
          path={point.model_url}
          fallbackName={`${runName}_trial_${point.trial}.keras`}
          notReadyHint="This trial kept no model file."
          testId="trial-model-download"
        />
      </div>
      <h3>Plots</h3>
      {plots === null && <p className={styles.muted}>Loading the plots…</p>}
      {plots !== null && trialPlots.length === 0 && (
        <p className={styles.muted}>No plots were drawn for this trial.</p>
      )}
      {trialPlots.length > 0 && <PlotsGrid plots={trialPlots} />}
    </section>
  );
}
