"use client";

import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useId, useLayoutEffect, useState } from "react";

import { ErrorState } from "@/components/common/ErrorState";
import { LoadingState } from "@/components/common/LoadingState";
import { galleryColumns, type LoadTrialPage } from "@/lib/trialPages";
import type { TrialOrder } from "@/lib/trials";
import { useElementWidth } from "@/lib/useElementWidth";
import { useTrialPages } from "@/lib/useTrialPages";

import { TrialCard } from "./TrialCard";

/** A row's height before it is measured: a pruned card's (its reason, metrics and
 * hyperparameter line), the tallest usual one, as Chromium draws it at 1280 px. Rows not yet
 * drawn count at this height, so the closer it is the less the page grows as they are. */
const ROW_ESTIMATE_PX = 230;
const GAP_PX = 16; // the grid's 1rem gap
/** Rows drawn beyond the viewport at each end, so scrolling and tabbing find cards ready. */
const OVERSCAN_ROWS = 3;
/** The gallery's width before it is measured (and in jsdom). */
const FALLBACK_WIDTH = 1000;

interface TrialGalleryProps {
  /** Where the trials come from, a page at a time, in the order asked. */
  loadPage: LoadTrialPage;
  /** Changes when the list may have changed (a trial finished): the cards in view are re-read. */
  refreshKey?: unknown;
  /** The trial to highlight (the server's best, else the top score); null when none. */
  bestTrial: number | null;
  /** The job's run name (its run folder), which each card's trial page is found by. */
  run: string;
}

/**
 * Every finished trial as a card, the best one highlighted, sortable by number or score; each
 * card opens its trial's page. Only the rows of cards in and near the viewport are in the DOM,
 * and only their pages are read, so a run of thousands of trials opens as fast as one of ten;
 * the page is as tall as all the cards would make it, so the scrollbar tells where one is.
 */
export function TrialGallery({ loadPage, refreshKey, bestTrial, run }: TrialGalleryProps) {
  const [order, setOrder] = useState<TrialOrder>("number");
  const sortId = useId();
  const trials = useTrialPages(loadPage, order, refreshKey);
  const total = trials.total ?? 0;
  const [gridRef, width] = useElementWidth<HTMLDivElement>(FALLBACK_WIDTH);
  const columns = galleryColumns(width, 240, GAP_PX);
  const rows = Math.ceil(total / columns);

  // The window scrolls the gallery: the virtualizer needs where the grid starts on the page,
  // which moves as the sections above it (progress, chart) load.
  const [scrollMargin, setScrollMargin] = useState(0);
  useLayoutEffect(() => {
    const grid = gridRef.current;
    if (!grid) return;
    const top = Math.round(grid.getBoundingClientRect().top + window.scrollY);
    if (top !== scrollMargin) setScrollMargin(top);
  });

  const virtualizer = useWindowVirtualizer({
    count: rows,
    estimateSize: () => ROW_ESTIMATE_PX,
    overscan: OVERSCAN_ROWS,
    gap: GAP_PX,
    scrollMargin,
    // Where the window already is: the virtualizer scrolls there when it attaches.
    initialOffset: () => (typeof window === "undefined" ? 0 : window.scrollY),
  });
  const items = virtualizer.getVirtualItems();
  const firstRow = items[0]?.index ?? 0;
  const lastRow = items.at(-1)?.index ?? 0;
  const { show } = trials;
  useEffect(() => {
    show(firstRow * columns, (lastRow + 1) * columns - 1);
  }, [show, firstRow, lastRow, columns]);

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
      {trials.error && <ErrorState message={trials.error} onRetry={trials.retry} />}
      {trials.total === null && !trials.error && <LoadingState label="Loading trials" />}
      <div
        ref={gridRef}
        className="trial-grid-window"
        data-testid="trial-gallery"
        data-total={trials.total ?? undefined}
        role="feed"
        aria-busy={trials.total === null}
        aria-labelledby={`${sortId}-title`}
        style={{ height: virtualizer.getTotalSize() }}
      >
        {trials.total === 0 && <p className="hint">No trial has finished yet.</p>}
        {items.map((row) => (
          <div
            key={row.key}
            ref={virtualizer.measureElement}
            data-index={row.index}
            className="trial-grid trial-grid-row"
            style={{
              gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
              transform: `translateY(${row.start - virtualizer.options.scrollMargin}px)`,
            }}
          >
            {rowPlaces(row.index, columns, total).map((place) => {
              const trial = trials.trialAt(place);
              return trial ? (
                <TrialCard
                  key={trial.number}
                  trial={trial}
                  best={trial.number === bestTrial}
                  run={run}
                  place={{ index: place, total }}
                />
              ) : (
                <div key={`place-${place}`} className="trial-card trial-card-loading" aria-hidden>
                  Loading…
                </div>
              );
            })}
          </div>
        ))}
      </div>
    </section>
  );
}

/** The list places a row of `columns` cards holds. */
function rowPlaces(row: number, columns: number, total: number): number[] {
  const first = row * columns;
  return Array.from({ length: Math.max(0, Math.min(columns, total - first)) }, (_, i) => first + i);
}
