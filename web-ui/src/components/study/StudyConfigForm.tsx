"use client";

import { useState } from "react";

import { DatasetField } from "@/components/config/DatasetField";
import { NumberField } from "@/components/config/NumberField";
import { RunpodCheckbox, RunpodFallbackNote } from "@/components/config/RunpodOption";
import type { ServerSettings } from "@/components/config/ServerSettingsPanel";
import { StartForm } from "@/components/config/StartForm";
import { WeightSlider } from "@/components/config/WeightSlider";
import { apiData } from "@/lib/api/client";
import {
  buildStudyRequest,
  defaultStudySettings,
  type StudySettings,
  withAccuracy,
  withHealth,
} from "@/lib/studyForm";

import { ModuleChecklist } from "./ModuleChecklist";
import styles from "./study.module.css";

/** A comparison study's settings; submitting starts phase 1a and opens the study's page. */
export function StudyConfigForm({ health, defaults }: ServerSettings) {
  const [settings, setSettings] = useState(() => defaultStudySettings(health.datasets, defaults));

  const update = (patch: Partial<StudySettings>) =>
    setSettings((current) => ({ ...current, ...patch }));

  return (
    <StartForm
      title="New comparison study"
      testIds={{ form: "study-form", error: "study-form-error", start: "study-start-button" }}
      startLabel="Start study"
      startClassName={styles.startButton}
      build={() => buildStudyRequest(settings)}
      send={(request) =>
        apiData((client) => client.POST("/comparison-study/start", { body: request }))
      }
      pageOf={(started) => `/study?id=${encodeURIComponent(started.study_id)}`}
    >
      <p className="hint">
        Runs the same optimization budget in two modes, accuracy-only and health-aware, several
        times each (run i of both modes shares a seed), then compares the selected models on a
        holdout split no run has seen.
      </p>

      <fieldset>
        <legend>Phase 1a: model building</legend>
        <div className="field-grid">
          <DatasetField
            datasets={health.datasets}
            value={settings.datasetName}
            testId="study-dataset-select"
            onChange={(datasetName) => update({ datasetName })}
          />
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
        <RunpodCheckbox
          checked={settings.useRunpod}
          testId="study-runpod-checkbox"
          onChange={(useRunpod) => update({ useRunpod })}
        />
        <RunpodFallbackNote health={health} testId="study-runpod-note" />
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
    </StartForm>
  );
}
