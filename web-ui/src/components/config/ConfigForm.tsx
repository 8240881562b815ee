"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

import { apiData, errorMessage } from "@/lib/api/client";
import type { DefaultScoringWeights, Health } from "@/lib/api/types";
import { buildOptimizeRequest, defaultRunSettings, type RunSettings } from "@/lib/optimizeForm";
import { weightsFromDefaults } from "@/lib/weights";

import { ExecutionFields } from "./ExecutionFields";
import { ModeField } from "./ModeField";
import { RunFields } from "./RunFields";
import { WeightSliders } from "./WeightSliders";

interface ConfigFormProps {
  health: Health;
  defaults: DefaultScoringWeights;
}

/** The optimization settings; submitting starts a job and opens its live view. */
export function ConfigForm({ health, defaults }: ConfigFormProps) {
  const router = useRouter();
  const [settings, setSettings] = useState(() => defaultRunSettings(health.datasets));
  const [weights, setWeights] = useState(() => weightsFromDefaults(defaults));
  const [submitting, setSubmitting] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);

  const update = (patch: Partial<RunSettings>) =>
    setSettings((current) => ({ ...current, ...patch }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const built = buildOptimizeRequest(settings, weights);
    if (built.error !== undefined) {
      setFormError(built.error);
      return;
    }
    setSubmitting(true);
    setFormError(null);
    try {
      const created = await apiData((client) => client.POST("/optimize", { body: built.request }));
      router.push(`/run?job=${encodeURIComponent(created.job_id)}`);
    } catch (error) {
      setFormError(errorMessage(error));
      setSubmitting(false);
    }
  }

  return (
    // noValidate: the server's 422 messages name each bad field; show those, not browser bubbles.
    <form className="config-form card" data-testid="config-form" onSubmit={submit} noValidate>
      <h1>New optimization</h1>
      <RunFields settings={settings} datasets={health.datasets} onChange={update} />
      <ModeField mode={settings.mode} onChange={(mode) => update({ mode })} />
      <WeightSliders weights={weights} mode={settings.mode} onChange={setWeights} />
      <ExecutionFields settings={settings} health={health} onChange={update} />
      {formError && (
        <p className="form-error" role="alert" data-testid="form-error">
          {formError}
        </p>
      )}
      <button
        type="submit"
        className="button button-primary"
        data-testid="start-button"
        disabled={submitting}
      >
        {submitting ? "Starting…" : "Start optimization"}
      </button>
    </form>
  );
}
