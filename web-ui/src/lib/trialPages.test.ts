import { describe, expect, it } from "vitest";

import type { TrialSummary } from "@/lib/api/types";

import { galleryColumns, loadAllPages, type PageQuery, pagesHolding } from "./trialPages";

describe("galleryColumns", () => {
  it("fits as many 240 px cards with 16 px gaps as the width holds, and at least one", () => {
    expect(galleryColumns(1000)).toBe(3); // 3 * 240 + 2 * 16 = 752; 4 would need 1008
    expect(galleryColumns(1008)).toBe(4);
    expect(galleryColumns(239)).toBe(1);
    expect(galleryColumns(0)).toBe(1);
  });
});

describe("pagesHolding", () => {
  it("names the pages of the places in view, within the list", () => {
    expect(pagesHolding(0, 23, 1000, 60)).toEqual([0]);
    expect(pagesHolding(50, 130, 1000, 60)).toEqual([0, 1, 2]);
    expect(pagesHolding(990, 1010, 1000, 60)).toEqual([16]); // the last page, 960 to 999
    expect(pagesHolding(0, 10, 0, 60)).toEqual([]);
    expect(pagesHolding(1200, 1300, 1000, 60)).toEqual([]);
  });
});

describe("loadAllPages", () => {
  it("follows next_offset to the last page and keeps the first page's other fields", async () => {
    const numbers = Array.from({ length: 1100 }, (_, n) => n);
    const asked: PageQuery[] = [];
    const all = await loadAllPages(async (query) => {
      asked.push(query);
      const end = query.offset + query.limit;
      return {
        total: numbers.length,
        offset: query.offset,
        trials: numbers.slice(query.offset, end).map((number) => ({ number }) as TrialSummary),
        next_offset: end < numbers.length ? end : null,
        compute: { from: query.offset },
      };
    });
    expect(asked.map((query) => [query.offset, query.limit])).toEqual([
      [0, 500],
      [500, 500],
      [1000, 500],
    ]);
    expect(all.trials.map((t) => t.number)).toEqual(numbers);
    expect(all.compute).toEqual({ from: 0 });
    expect(all.next_offset).toBeNull();
  });
});
