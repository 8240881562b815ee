"use client";

import { useSearchParams } from "next/navigation";
import { Suspense } from "react";

import { LoadingState } from "@/components/common/LoadingState";
import { RunViewsPage } from "@/components/views/RunViewsPage";

/** `/views?run=NAME`: one run as a whole (figures, recommendations, baselines). */
export default function ViewsPage() {
  return (
    // useSearchParams needs a Suspense boundary so the page can still be prerendered.
    <Suspense fallback={<LoadingState label="Loading…" />}>
      <ViewsForQueryRun />
    </Suspense>
  );
}

function ViewsForQueryRun() {
  const run = useSearchParams().get("run");
  if (!run) {
    return (
      <p role="alert">
        No run given: open this page from the runs list, or as <code>/views?run=RUN_NAME</code>.
      </p>
    );
  }
  // Keyed by run: another run starts with a clean page.
  return <RunViewsPage key={run} run={run} />;
}
