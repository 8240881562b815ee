"use client";

import { useRouter } from "next/navigation";

import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { compareHref, loadComparison } from "@/lib/compare";
import { loadRuns } from "@/lib/runs";
import { useApi } from "@/lib/useApi";

import styles from "./compare.module.css";
import { ComparisonResult } from "./ComparisonResult";
import { RunPicker } from "./RunPicker";

/** Runs side by side: a picker over every run of the results folder, and once two or more
 * are chosen, their comparison. */
export function CompareView({ runs }: { runs: readonly string[] }) {
  const router = useRouter();
  const available = useApi(loadRuns, []);
  return (
    <div className={styles.page}>
      <header className={styles.heading}>
        <h1>Compare runs</h1>
        <p className={styles.muted}>
          Best metrics, parameters, settings and learning curves side by side, and which
          differences exceed run-to-run noise.
        </p>
      </header>
      <section className="card" aria-labelledby="picker-title">
        <h2 id="picker-title">Runs to compare</h2>
        {available.data ? (
          <RunPicker
            runs={available.data.runs}
            chosen={runs}
            onCompare={(names) => router.push(compareHref(names))}
          />
        ) : available.error ? (
          <ErrorState message={available.error} onRetry={available.reload} />
        ) : (
          <LoadingState label="Loading the runs…" />
        )}
      </section>
      {runs.length >= 2 ? (
        <Comparison key={runs.join(",")} runs={runs} />
      ) : (
        <p className={styles.muted}>Pick two or more runs to compare them.</p>
      )}
    </div>
  );
}

function Comparison({ runs }: { runs: readonly string[] }) {
  const comparison = useApi(() => loadComparison(runs), [runs.join(",")]);
  if (comparison.data) return <ComparisonResult comparison={comparison.data} />;
  return (
    <section className="card" aria-label="Comparison">
      {comparison.error ? (
        <ErrorState message={comparison.error} onRetry={comparison.reload} />
      ) : (
        <LoadingState label="Comparing the runs…" />
      )}
    </section>
  );
}
