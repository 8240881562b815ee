"use client";

import { useId, useState } from "react";

import type { TrialSummary } from "@/lib/api/types";
import { bestTrialNumber, sortTrials, type TrialOrder } from "@/lib/trials";

import { TrialCard } from "./TrialCard";

interface TrialGalleryProps {
  trials: TrialSummary[];
  /** The job's best trial as the server reports it; null before one completes. */
  bestTrial: number | null;
  /** The job's run name (its run folder), which each card's trial page is found by. */
  run: string;
}

/** Every finished trial as a card, the best one highlighted, sortable by number or score;
 * each card opens its trial's page. */
export function TrialGallery({ trials, bestTrial, run }: TrialGalleryProps) {
  const [order, setOrder] = useState<TrialOrder>("number");
  const sortId = useId();
  const best = bestTrialNumber(trials, bestTrial);

  return (
    <section className="trial-gallery" aria-labelledby={`${sortId}-title`}>
      <div className="section-header">
        <h2 id={`${sortId}-title`}>Trials</h2>
        <div className="inline-field">
          <label htmlFor={sortId}>Sort by</label>
          <select
            id={sortId}
            value={order}
            onChange={(event) => setOrder(event.target.value as TrialOrder)}
          >
            <option value="number">Trial number</option>
            <option value="score">Total score</option>
          </select>
        </div>
      </div>
      <div className="trial-grid" data-testid="trial-gallery">
        {trials.length === 0 && <p className="hint">No trial has finished yet.</p>}
        {sortTrials(trials, order).map((trial) => (
          <TrialCard key={trial.number} trial={trial} best={trial.number === best} run={run} />
        ))}
      </div>
    </section>
  );
}
