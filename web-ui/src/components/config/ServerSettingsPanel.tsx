"use client";

import type { ComponentType } from "react";

import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { apiData } from "@/lib/api/client";
import type { DefaultScoringWeights, Health } from "@/lib/api/types";
import { useApi } from "@/lib/useApi";

/** What a settings form starts from: the datasets and RunPod (health), and the default weights. */
export interface ServerSettings {
  health: Health;
  defaults: DefaultScoringWeights;
}

/** Loads the server's settings, then shows `form` with them. */
export function ServerSettingsPanel({ form: Form }: { form: ComponentType<ServerSettings> }) {
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
  return <Form health={health} defaults={defaults} />;
}
