"use client";

import { useSearchParams } from "next/navigation";
import { Suspense } from "react";

import { CompareView } from "@/components/compare/CompareView";
import { LoadingState } from "@/components/common/LoadingState";
import { parseRunsParam } from "@/lib/compare";

/** `/compare?runs=a,b`: runs side by side; without two runs, a picker to choose them. */
export default function ComparePage() {
  return (
    // useSearchParams needs a Suspense boundary so the page can still be prerendered.
    <Suspense fallback={<LoadingState label="Loading…" />}>
      <CompareForQueryRuns />
    </Suspense>
  );
}

function CompareForQueryRuns() {
  const runs = parseRunsParam(useSearchParams().get("runs"));
  return <CompareView runs={runs} />;
}
