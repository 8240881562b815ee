"use client";

import { useCallback, useEffect, useRef, useState } from "react";

import { errorMessage } from "@/lib/api/client";
import type { TrialSummary } from "@/lib/api/types";
import { GALLERY_PAGE_SIZE, type LoadTrialPage, pagesHolding } from "@/lib/trialPages";
import type { TrialOrder } from "@/lib/trials";

export interface TrialPages {
  /** Trials in the whole list; null until the first page answers. */
  total: number | null;
  /** The trial at a place in the list, or undefined while its page is still coming. */
  trialAt: (index: number) => TrialSummary | undefined;
  /** Ask for the pages holding places `first` to `last` (the cards in view). */
  show: (first: number, last: number) => void;
  /** The last failed page's error as a sentence; null once a page loads. */
  error: string | null;
  retry: () => void;
}

interface Loaded {
  total: number | null;
  pages: ReadonlyMap<number, TrialSummary[]>;
  error: string | null;
}

const EMPTY: Loaded = { total: null, pages: new Map(), error: null };

/**
 * A trial list read a page at a time, only the pages the caller shows. Another `order` starts
 * afresh (each place now holds another trial). A new `refreshKey` (a trial finished) reads the
 * pages in view again, keeping the old ones on screen until they answer; pages out of view are
 * read again when they come back into view. An answer for an older order or key is dropped.
 */
export function useTrialPages(
  load: LoadTrialPage,
  order: TrialOrder,
  refreshKey: unknown,
  pageSize = GALLERY_PAGE_SIZE,
): TrialPages {
  const [loaded, setLoaded] = useState<Loaded>(EMPTY);
  const loadRef = useRef(load);
  const generation = useRef(0);
  const asked = useRef(new Set<number>()); // pages asked for in this generation
  const inView = useRef<[number, number]>([0, 0]);
  const total = useRef<number | null>(null);
  const shownOrder = useRef(order);

  useEffect(() => {
    loadRef.current = load; // the newest loader, without reloading on every render
  });

  const fetchPage = useCallback(
    (page: number) => {
      if (asked.current.has(page)) return;
      asked.current.add(page);
      const ticket = generation.current;
      loadRef.current({ offset: page * pageSize, limit: pageSize, order }).then(
        (answer) => {
          if (ticket !== generation.current) return;
          total.current = answer.total;
          setLoaded((state) => ({
            total: answer.total,
            pages: new Map(state.pages).set(page, answer.trials),
            error: null,
          }));
        },
        (failure: unknown) => {
          if (ticket !== generation.current) return;
          asked.current.delete(page); // asked again on retry or the next scroll
          setLoaded((state) => ({ ...state, error: errorMessage(failure) }));
        },
      );
    },
    [order, pageSize],
  );

  const show = useCallback(
    (first: number, last: number) => {
      inView.current = [first, last];
      // Before the first answer the total is unknown: the first page is all there is to ask.
      const pages =
        total.current === null ? [0] : pagesHolding(first, last, total.current, pageSize);
      pages.forEach(fetchPage);
    },
    [fetchPage, pageSize],
  );

  // Re-reading, the list may have grown past the total last seen (an empty run's first trial,
  // new trials at the end in view): the places in view are asked for whatever it was.
  const reread = useCallback(() => {
    pagesHolding(...inView.current, Infinity, pageSize).forEach(fetchPage);
  }, [fetchPage, pageSize]);

  useEffect(() => {
    generation.current++;
    asked.current = new Set();
    if (shownOrder.current !== order) {
      shownOrder.current = order;
      total.current = null;
      inView.current = [0, 0];
      setLoaded(EMPTY);
    }
    reread();
    return () => {
      generation.current++; // unmounted, or about to ask again: ignore what is in flight
    };
  }, [order, refreshKey, reread]);

  const trialAt = useCallback(
    (index: number) => loaded.pages.get(Math.floor(index / pageSize))?.[index % pageSize],
    [loaded.pages, pageSize],
  );
  const retry = useCallback(() => reread(), [reread]);
  return { total: loaded.total, trialAt, show, error: loaded.error, retry };
}
