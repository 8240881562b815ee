"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense } from "react";

import { LoadingState } from "@/components/common/LoadingState";
import { TrialsTable } from "@/components/runs/TrialsTable";

/** `/trials?run=NAME`: one run's trials, a page at a time. */
export default function TrialsPage() {
  return (
    // useSearchParams needs a Suspense boundary so the page can still be prerendered.
    <Suspense fallback={<LoadingState label="Loading…" />}>
      <TrialsForQueryRun />
    </Suspense>
  );
}

function TrialsForQueryRun() {
  const run = useSearchParams().get("run");
  if (!run) {
    return (
      <p role="alert">
        No run given: pick one under <Link href="/runs">Runs</Link>, or open{" "}
        <code>/trials?run=RUN_NAME</code>.
      </p>
    );
  }
  // Keyed by run: another run starts on its first page with no filter.
  return <TrialsTable key={run} run={run} />;
}
