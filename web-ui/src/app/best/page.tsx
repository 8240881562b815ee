"use client";

import { useSearchParams } from "next/navigation";
import { Suspense } from "react";

import { BestModelView } from "@/components/best/BestModelView";
import { LoadingState } from "@/components/common/LoadingState";

/** `/best?job=ID`: the best model of one job. */
export default function BestPage() {
  return (
    // useSearchParams needs a Suspense boundary so the page can still be prerendered.
    <Suspense fallback={<LoadingState label="Loading…" />}>
      <BestForQueryJob />
    </Suspense>
  );
}

function BestForQueryJob() {
  const jobId = useSearchParams().get("job");
  if (!jobId) {
    return (
      <p role="alert">
        No job given: open this page from a run, or as <code>/best?job=JOB_ID</code>.
      </p>
    );
  }
  return <BestModelView key={jobId} jobId={jobId} />;
}
