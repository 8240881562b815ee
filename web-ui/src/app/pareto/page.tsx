"use client";

import { useSearchParams } from "next/navigation";
import { Suspense } from "react";

import { LoadingState } from "@/components/common/LoadingState";
import { ParetoFrontView } from "@/components/pareto/ParetoFrontView";

/** `/pareto?job=ID`: the Pareto front of one pareto-mode job. */
export default function ParetoPage() {
  return (
    // useSearchParams needs a Suspense boundary so the page can still be prerendered.
    <Suspense fallback={<LoadingState label="Loading…" />}>
      <ParetoForQueryJob />
    </Suspense>
  );
}

function ParetoForQueryJob() {
  const jobId = useSearchParams().get("job");
  if (!jobId) {
    return (
      <p role="alert">
        No job given: open this page from a pareto run, or as <code>/pareto?job=JOB_ID</code>.
      </p>
    );
  }
  // Keyed by job: another job starts with a clean view.
  return <ParetoFrontView key={jobId} jobId={jobId} />;
}
