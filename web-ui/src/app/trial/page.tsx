"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense } from "react";

import { LoadingState } from "@/components/common/LoadingState";
import { TrialView } from "@/components/trial/TrialView";
import { parseTrialNumber } from "@/lib/runs";

/** `/trial?run=NAME&n=N`: one trial of one run. */
export default function TrialPage() {
  return (
    // useSearchParams needs a Suspense boundary so the page can still be prerendered.
    <Suspense fallback={<LoadingState label="Loading…" />}>
      <TrialForQuery />
    </Suspense>
  );
}

function TrialForQuery() {
  const query = useSearchParams();
  const run = query.get("run");
  const trial = parseTrialNumber(query.get("n"));
  if (!run || trial === null) {
    const given = query.get("n");
    const problem = !run
      ? "No run given."
      : given === null
        ? "No trial number given."
        : `“${given}” is not a trial number.`;
    return (
      <p role="alert">
        {problem} 
        Open a trial from its run&apos;s list under <Link href="/runs">Runs</Link>, or as{" "}
        <code>/trial?run=RUN_NAME&amp;n=TRIAL_NUMBER</code>.
      </p>
    );
  }
  // Keyed by trial: stepping to the next one starts afresh, not with this one's numbers.
  return <TrialView key={`${run}#${trial}`} run={run} trial={trial} />;
}
