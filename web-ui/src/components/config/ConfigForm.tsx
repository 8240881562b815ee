"use client";

import { useState } from "react";

import { apiData } from "@/lib/api/client";
import {
  buildOptimizeRequest,
  defaultRunSettings,
  type RunSettings,
  updateSettings,
} from "@/lib/optimizeForm";
import { weightsFromDefaults } from "@/lib/weights";

import { ExecutionFields } from "./ExecutionFields";
import { ModeField } from "./ModeField";
import { RunFields } from "./RunFields";
import type { ServerSettings } from "./ServerSettingsPanel";
import { StartForm } from "./StartForm";
import { WeightSliders } from "./WeightSliders";

/** The optimization settings; submitting starts a job and opens its live view. */
export function ConfigForm({ health, defaults }: ServerSettings) {
  const [settings, setSettings] = useState(() => defaultRunSettings(health.datasets));
  const [weights, setWeights] = useState(() => weightsFromDefaults(defaults));

  const update = (patch: Partial<RunSettings>) =>
    setSettings((current) => updateSettings(current, patch));

  return (
    <StartForm
      title="New optimization"
      testIds={{ form: "config-form", error: "form-error", start: "start-button" }}
      startLabel="Start optimization"
      build={() => buildOptimizeRequest(settings, weights)}
      send={(request) => apiData((client) => client.POST("/optimize", { body: request }))}
      pageOf={(created) => `/run?job=${encodeURIComponent(created.job_id)}`}
    >
      <RunFields
        settings={settings}
        datasets={health.datasets}
        models={health.models}
        onChange={update}
      />
      <ModeField settings={settings} onChange={update} />
      <WeightSliders
        weights={weights}
        mode={settings.mode}
        paretoChoice={settings.paretoChoice}
        onChange={setWeights}
      />
      <ExecutionFields settings={settings} health={health} onChange={update} />
    </StartForm>
  );
}
