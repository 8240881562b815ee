"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense } from "react";

import { LoadingState } from "@/components/common/LoadingState";
import { RunView } from "@/components/run/RunView";

function RunPageContent() {
  const jobId = useSearchParams().get("job");
  if (!jobId) {
    return (
      <p className="state">
        No job given. <Link href="/">Start a run or pick a recent one.</Link>
      </p>
    );
  }
  // Keyed by job: another job starts with a clean view, not the last one's numbers.
  return <RunView key={jobId} jobId={jobId} />;
}

export default function RunPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading" />}>
      <RunPageContent />
    </Suspense>
  );
}
