"use client";

import { RunsTable } from "@/components/runs/RunsTable";

/** `/runs`: every run in the server's results folder, jobs and CLI runs alike. */
export default function RunsPage() {
  return <RunsTable />;
}
