"use client";

import { useEffect, useId, useMemo, useState } from "react";

import {
  type ArchitectureVisualization,
  defaultSignal,
  type ForwardSignal,
  PULSE_STEP_MS,
  type PulseStep,
  pulseSteps,
  signalCaption,
  type SignalMeasure,
  stepReadout,
} from "./architecture3d";
import styles from "./best.module.css";

/** The forward-propagation animation's state: which signal lights the layers, and the step the
 * pulse is on (null when it is not playing). */
export interface ForwardPulse {
  signals: readonly ForwardSignal[];
  signal: ForwardSignal | null;
  chooseSignal: (measure: SignalMeasure) => void;
  caption: string;
  step: PulseStep | null;
  /** What the pulse's layer measured, while playing. */
  readout: string | null;
  playing: boolean;
  canPlay: boolean;
  play: () => void;
  stop: () => void;
}

/** Steps the pulse through the layers in z order, one every PULSE_STEP_MS, then stops. */
export function useForwardPulse(
  visualization: ArchitectureVisualization,
  signals: readonly ForwardSignal[],
): ForwardPulse {
  const [measure, setMeasure] = useState<SignalMeasure | null>(null);
  const chosen = signals.find((candidate) => candidate.measure === measure);
  const signal = chosen ?? defaultSignal(signals);
  const { steps, notMeasured } = useMemo(
    () => (signal ? pulseSteps(visualization, signal) : { steps: [], notMeasured: [] }),
    [visualization, signal],
  );
  const [index, setIndex] = useState<number | null>(null);

  useEffect(() => {
    if (index === null) return;
    const timer = window.setTimeout(
      () =>
        setIndex((current) =>
          current === null || current + 1 >= steps.length ? null : current + 1,
        ),
      PULSE_STEP_MS,
    );
    return () => window.clearTimeout(timer);
  }, [index, steps.length]);

  const canPlay = signal !== null && steps.length > 0;
  const step = index === null ? null : (steps[index] ?? null);
  const layer =
    step && visualization.layers.find((candidate) => candidate.layer_id === step.layerId);
  return {
    signals,
    signal,
    chooseSignal: (next) => {
      setIndex(null);
      setMeasure(next);
    },
    caption: signalCaption(signal, notMeasured),
    step,
    readout: signal && layer ? stepReadout(signal, layer) : null,
    playing: index !== null,
    canPlay,
    play: () => {
      if (canPlay) setIndex(0);
    },
    stop: () => setIndex(null),
  };
}

/** Play/Stop, the choice of signal when there are two, and the caption naming the number. */
export function ForwardPulseControls({ pulse }: { pulse: ForwardPulse }) {
  const captionId = useId();
  return (
    <div className={styles.pulseControls}>
      <div className={styles.toolbar}>
        <button
          type="button"
          className="button"
          data-testid="play-forward"
          disabled={!pulse.canPlay}
          aria-describedby={captionId}
          aria-pressed={pulse.playing}
          onClick={pulse.playing ? pulse.stop : pulse.play}
        >
          {pulse.playing ? "Stop" : "Play forward pass"}
        </button>
        {pulse.signals.length > 1 && pulse.signal && (
          <label className={styles.inlineField}>
            Brightness from
            <select
              data-testid="signal-measure"
              value={pulse.signal.measure}
              onChange={(event) => pulse.chooseSignal(event.target.value as SignalMeasure)}
            >
              {pulse.signals.map((signal) => (
                <option key={signal.measure} value={signal.measure}>
                  {signal.title}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <p id={captionId} className={styles.muted} data-testid="signal-caption">
        {pulse.caption}
      </p>
      <p data-testid="pulse-readout" aria-live="polite">
        {pulse.readout}
      </p>
    </div>
  );
}
