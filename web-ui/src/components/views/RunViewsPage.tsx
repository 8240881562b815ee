"use client";

import Link from "next/link";

import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { compareHref } from "@/lib/compare";
import { trialsHref } from "@/lib/runs";
import { useApi } from "@/lib/useApi";
import { loadRecommendations, loadRunDetail, loadRunViews } from "@/lib/views";

import { BaselineMargins } from "./BaselineMargins";
import { Recommendations } from "./Recommendations";
import { RunFigures } from "./RunFigures";
import styles from "./views.module.css";

/** One run as a whole: the best model against its baselines, recommendations, then the
 * figures (history, importance, parallel coordinates, impact, Pareto). Each part loads on
 * its own, so a slow or failed one never hides the others. */
export function RunViewsPage({ run }: { run: string }) {
  const detail = useApi(() => loadRunDetail(run), [run]);
  const recommendations = useApi(() => loadRecommendations(run), [run]);
  const views = useApi(() => loadRunViews(run), [run]);
  return (
    <div className={styles.page}>
      <header className={styles.heading}>
        <h1>Run views</h1>
        <p className={styles.muted}>{run}</p>
        <p>
          <Link href="/runs">All runs</Link> · <Link href={trialsHref(run)}>Trials</Link> ·{" "}
          <Link href={compareHref([run])}>Compare with other runs</Link>
        </p>
      </header>

      <section className="card" aria-labelledby="baselines-title">
        <h2 id="baselines-title">Best model against baselines</h2>
        {detail.data ? (
          <BaselineMargins detail={detail.data} />
        ) : detail.error ? (
          <ErrorState message={detail.error} onRetry={detail.reload} />
        ) : (
          <LoadingState label="Loading the run…" />
        )}
      </section>

      <section className="card" aria-labelledby="recommendations-title">
        <h2 id="recommendations-title">Recommendations</h2>
        {recommendations.data ? (
          <Recommendations report={recommendations.data} />
        ) : recommendations.error ? (
          <ErrorState message={recommendations.error} onRetry={recommendations.reload} />
        ) : (
          <LoadingState label="Testing what the trials say…" />
        )}
      </section>

      {views.data ? (
        <RunFigures views={views.data} />
      ) : (
        <section className="card" aria-label="Run figures">
          {views.error ? (
            <ErrorState message={views.error} onRetry={views.reload} />
          ) : (
            <LoadingState label="Drawing the run's figures…" />
          )}
        </section>
      )}
    </div>
  );
}
