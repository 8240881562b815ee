/**
 * A job's trials a page at a time: the API calls, and the arithmetic of the virtualized
 * gallery (how many cards fit a row, which pages hold the cards in view).
 */
import { apiData } from "@/lib/api/client";
import type { TrialList, TrialSummary } from "@/lib/api/types";
import type { TrialOrder } from "@/lib/trials";

/** Cards per request of the gallery: a few screens of cards, a small share of a big run. */
export const GALLERY_PAGE_SIZE = 60;
/** The most trials one request may ask for (the API's `limit` bound). */
export const MAX_PAGE_SIZE = 500;

/** One page of a trial list, as both trial-list routes answer it. */
export interface TrialPageData {
  total: number;
  offset: number;
  trials: TrialSummary[];
  next_offset?: number | null;
}

export interface PageQuery {
  offset: number;
  limit: number;
  order: TrialOrder;
}

/** Where the gallery's pages come from: a job's trial list, or (in tests) an array. */
export type LoadTrialPage = (query: PageQuery) => Promise<TrialPageData>;

/** GET /jobs/{job_id}/trials: one page of a job's trials, with its compute summary. */
export function loadJobTrialPage(
  jobId: string,
  { offset, limit, order }: PageQuery,
): Promise<TrialList> {
  return apiData((client) =>
    client.GET("/jobs/{job_id}/trials", {
      params: { path: { job_id: jobId }, query: { offset, limit, order } },
    }),
  );
}

/** Every page of a list, followed by `next_offset` from the first: for the views that need
 * every trial (the score chart). The first page's other fields come with the trials. */
export async function loadAllPages<P extends TrialPageData>(
  load: (query: PageQuery) => Promise<P>,
  limit = MAX_PAGE_SIZE,
): Promise<P> {
  const first = await load({ offset: 0, limit, order: "number" });
  const trials = [...first.trials];
  let next = first.next_offset ?? null;
  while (next !== null) {
    const page = await load({ offset: next, limit, order: "number" });
    trials.push(...page.trials);
    next = page.next_offset ?? null;
  }
  return { ...first, trials, offset: 0, next_offset: null };
}

/** Every trial of a job, by number, and its compute summary, read page by page. */
export function loadAllJobTrials(jobId: string): Promise<TrialList> {
  return loadAllPages((query) => loadJobTrialPage(jobId, query));
}

/** How many cards of at least `minCard` px, `gap` px apart, fit a row `width` px wide (the
 * grid's `repeat(auto-fill, minmax(15rem, 1fr))`, computed so rows can be virtualized). */
export function galleryColumns(width: number, minCard = 240, gap = 16): number {
  return Math.max(1, Math.floor((width + gap) / (minCard + gap)));
}

/** The pages of `pageSize` that hold the items `first` to `last` (both included) of a list
 * of `total`. */
export function pagesHolding(
  first: number,
  last: number,
  total: number,
  pageSize: number,
): number[] {
  const end = Math.min(last, total - 1);
  if (end < 0 || first > end) return [];
  const pages = [];
  for (let page = Math.floor(Math.max(0, first) / pageSize); page * pageSize <= end; page++) {
    pages.push(page);
  }
  return pages;
}
