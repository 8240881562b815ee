"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";

import { NumberField } from "@/components/config/NumberField";
import { WeightSlider } from "@/components/config/WeightSlider";
import { apiData, errorMessage } from "@/lib/api/client";
import type { DefaultScoringWeights, Health } from "@/lib/api/types";
import {
  buildStudyRequest,
  defaultStudySettings,
  type StudySettings,
  withAccuracy,
  withHealth,
} from "@/lib/studyForm";

import { ModuleChecklist } from "./ModuleChecklist";
import styles from "./study.module.css";

interface StudyConfigFormProps {
  health: Health;
  defaults: DefaultScoringWeights;
}

/** A comparison study's settings; submitting starts phase 1a and opens the study's page. */
export function StudyConfigForm({ health, defaults }: StudyConfigFormProps) {
  const router = useRouter();
  const datasetId = useId();
  const [settings, setSettings] = useState(() => defaultStudySettings(health.datasets, defaults));
  const [submitting, setSubmitting] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);

  const update = (patch: Partial<StudySettings>) =>
    setSettings((current) => ({ ...current, ...patch }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const built = buildStudyRequest(settings);
    if (built.error !== undefined) {
      setFormError(built.error);
      return;
    }
    setSubmitting(true);
    setFormError(null);
    try {
      const started = await apiData((client) =>
        client.POST("/comparison-study/start", { body: built.request }),
      );
      router.push(`/study?id=${encodeURIComponent(started.study_id)}`);
    } catch (error) {
      setFormError(errorMessage(error));
      setSubmitting(false);
    }
  }

  return (
    // noValidate: the server's 422 messages name each bad field; show those, not browser bubbles.
    <form className="config-form card" data-testid="study-form" onSubmit={submit} noValidate>
      <h1>New comparison study</h1>
      <p className="hint">
        Runs the same optimization budget in two modes, accuracy-only and health-aware, several
        times each (run i of both modes shares a seed), then compares the selected models on a
        holdout split no run has seen.
      </p>

      <fieldset>
        <legend>Phase 1a: model building</legend>
        <div className="field-grid">
          <div className="field">
            <label htmlFor={datasetId}>Dataset</label>
            <select
              id={datasetId}
              data-testid="study-dataset-select"
              value={settings.datasetName}
              onChange={(event) => update({ datasetName: event.target.value })}
            >
              {health.datasets.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <NumberField
            label="Runs per mode"
            testId="study-runs-input"
            value={settings.runsPerMode}
            min={1}
            max={20}
            onChange={(runsPerMode) => update({ runsPerMode })}
          />
          <NumberField
            label="Trials per run"
            testId="study-trials-input"
            value={settings.trialsPerRun}
            min={1}
            max={200}
            onChange={(trialsPerRun) => update({ trialsPerRun })}
          />
          <NumberField
            label="Max epochs per trial"
            testId="study-epochs-input"
            value={settings.epochs}
            min={1}
            max={100}
            onChange={(epochs) => update({ epochs })}
          />
          <NumberField
            label="Concurrent workers"
            testId="study-workers-input"
            value={settings.workers}
            min={1}
            max={256}
            onChange={(workers) => update({ workers })}
          />
          <NumberField
            label="Seed"
            testId="study-seed-input"
            value={settings.seed}
            min={0}
            max={4294967295}
            onChange={(seed) => update({ seed })}
          />
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="study-runpod-checkbox"
            checked={settings.useRunpod}
            onChange={(event) => update({ useRunpod: event.target.checked })}
          />
          Train on RunPod GPU workers
        </label>
        {!health.runpod_available && (
          <p className="hint" data-testid="study-runpod-note">
            RunPod is not configured on this server
            {health.runpod_problem ? ` (${health.runpod_problem})` : ""}, so a RunPod run falls
            back to local training.
          </p>
        )}
      </fieldset>

      <fieldset className="weight-sliders">
        <legend>Health-aware mode weights</legend>
        <p className="hint">
          The accuracy-only mode always scores validation accuracy alone. The health components
          keep the server&apos;s default shares of the health weight.
        </p>
        <WeightSlider
          label="Accuracy"
          testId="study-weight-accuracy"
          value={settings.accuracy}
          onChange={(value) => setSettings((current) => withAccuracy(current, value))}
        />
        <WeightSlider
          label="Health"
          testId="study-weight-health"
          value={settings.health}
          onChange={(value) => setSettings((current) => withHealth(current, value))}
        />
        <p className="weight-total">
          Total{" "}
          <span data-testid="study-weights-total">{settings.accuracy + settings.health}%</span>
        </p>
      </fieldset>

      <fieldset>
        <legend>Phase 1b: analysis</legend>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="study-auto-analysis"
            checked={settings.analyzeAutomatically}
            onChange={(event) => update({ analyzeAutomatically: event.target.checked })}
          />
          Run analysis automatically after model building
        </label>
        {!settings.analyzeAutomatically && (
          <p className="hint">
            The study stops after building the models; choose and start the analysis on its page.
          </p>
        )}
        <ModuleChecklist
          legend="Analysis modules"
          testIdPrefix="study-module"
          selected={settings.modules}
          disabled={!settings.analyzeAutomatically}
          onChange={(modules) => update({ modules })}
        />
      </fieldset>

      {formError && (
        <p className="form-error" role="alert" data-testid="study-form-error">
          {formError}
        </p>
      )}
      <button
        type="submit"
        className={`button button-primary ${styles.startButton}`}
        data-testid="study-start-button"
        disabled={submitting}
      >
        {submitting ? "Starting…" : "Start study"}
      </button>
    </form>
  );
}
