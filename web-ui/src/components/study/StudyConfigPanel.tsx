"use client";

import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { apiData } from "@/lib/api/client";
import { useApi } from "@/lib/useApi";

import { StudyConfigForm } from "./StudyConfigForm";

/** Loads what the study form starts from (datasets, RunPod, default weights), then shows it. */
export function StudyConfigPanel() {
  const server = useApi(
    () =>
      Promise.all([
        apiData((client) => client.GET("/health")),
        apiData((client) => client.GET("/default-scoring-weights")),
      ]),
    [],
  );

  if (server.error) return <ErrorState message={server.error} onRetry={server.reload} />;
  if (!server.data) return <LoadingState label="Loading the server's settings" />;
  const [health, defaults] = server.data;
  return <StudyConfigForm health={health} defaults={defaults} />;
}
