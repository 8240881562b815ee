"use client";

import type { Config, Data, Layout } from "plotly.js-dist-min";
import { useEffect, useRef, useState } from "react";

import { errorMessage } from "@/lib/api/client";

import styles from "./plotlyFigure.module.css";

/** A plotly figure as the API serves it: Python plotly's `{data, layout}` JSON. */
export interface PlotlyFigureJson {
  data: Data[];
  layout: Partial<Layout>;
}

/** What this component needs of plotly.js; the loaded bundle, or a test's stand-in. */
interface PlotlyApi {
  react: (
    root: HTMLElement,
    data: Data[],
    layout: Partial<Layout>,
    config: Partial<Config>,
  ) => unknown;
  purge: (root: HTMLElement) => void;
}

const CONFIG: Partial<Config> = { responsive: true, displaylogo: false };

/**
 * A figure's `{data, layout}` checked, or an error naming what is wrong: the API types a
 * figure as a free-form object, so nothing else stops a malformed one reaching plotly.
 */
export function plotlyFigure(value: Record<string, unknown>): PlotlyFigureJson {
  const { data, layout } = value;
  if (!Array.isArray(data)) throw new Error("the figure has no `data` list of traces");
  if (layout !== undefined && (layout === null || typeof layout !== "object")) {
    throw new Error("the figure's `layout` is not an object");
  }
  return { data: data as Data[], layout: (layout ?? {}) as Partial<Layout> };
}

/** The title plotly draws on a figure (`layout.title` as text or as `{text}`), if any. */
export function figureTitle(figure: Record<string, unknown> | null | undefined): string | null {
  const layout = figure?.layout;
  if (!layout || typeof layout !== "object") return null;
  const title = (layout as { title?: unknown }).title;
  const text =
    typeof title === "string"
      ? title
      : title && typeof title === "object"
        ? (title as { text?: unknown }).text
        : null;
  // Plotly titles may carry markup such as <br>; an accessible name is plain text.
  return typeof text === "string" && text ? text.replace(/<[^>]+>/g, " ").trim() : null;
}

let plotlyBundle: Promise<PlotlyApi> | null = null;

/** plotly.js, imported once for every chart on the page (a failed import is tried again). */
function loadPlotly(): Promise<PlotlyApi> {
  // Imported on the client only: the bundle touches `window` when it loads, and it is large.
  plotlyBundle ??= import("plotly.js-dist-min").then(
    (loaded) => ((loaded as { default?: PlotlyApi }).default ?? loaded) as PlotlyApi,
    (error: unknown) => {
      plotlyBundle = null;
      throw error;
    },
  );
  return plotlyBundle;
}

/**
 * One plotly chart of the API's figure JSON, drawn with plotly.js on the client. A missing
 * figure (null) shows its note instead, so no chart is ever an empty box; the figure's
 * accessible name is `title`, else the title plotly draws. Purges the chart on unmount.
 */
export function PlotlyFigure({
  figure,
  title,
  note,
  testId,
}: {
  figure: Record<string, unknown> | null | undefined;
  title?: string;
  /** Why the figure is missing, or (with a figure) what to know when reading it. */
  note?: string | null;
  testId?: string;
}) {
  const name = title ?? figureTitle(figure) ?? "Chart";
  const rootRef = useRef<HTMLDivElement>(null);
  const [rendered, setRendered] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    const root = rootRef.current;
    if (!figure || !root) return;
    let plotly: PlotlyApi | null = null;
    let cancelled = false;
    setRendered(false);
    setFailure(null);
    (async () => {
      const { data, layout } = plotlyFigure(figure);
      const loaded = await loadPlotly();
      if (cancelled) return;
      plotly = loaded;
      await loaded.react(root, data, { ...layout, autosize: true }, CONFIG);
      if (!cancelled) setRendered(true);
    })().catch((error: unknown) => {
      if (!cancelled) setFailure(errorMessage(error));
    });
    return () => {
      cancelled = true;
      plotly?.purge(root);
    };
  }, [figure]);

  if (!figure) {
    return (
      <figure className={styles.figure} aria-label={name} data-testid={testId} data-state="missing">
        <figcaption className={styles.title}>{name}</figcaption>
        <p className={styles.missing}>{note || "Not available for this run."}</p>
      </figure>
    );
  }
  return (
    <figure
      className={styles.figure}
      aria-label={name}
      data-testid={testId}
      data-state={failure ? "failed" : rendered ? "rendered" : "loading"}
    >
      <div ref={rootRef} className={styles.plot} />
      {failure && <p role="alert">The chart could not be drawn: {failure}</p>}
      {note && <figcaption className={styles.note}>{note}</figcaption>}
    </figure>
  );
}
