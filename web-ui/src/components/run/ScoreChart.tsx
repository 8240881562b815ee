"use client";

import type { TrialSummary } from "@/lib/api/types";
import { scoreDomain, scorePoints, ticks } from "@/lib/scoreSeries";
import { useElementWidth } from "@/lib/useElementWidth";

const HEIGHT = 240;
const MARGIN = { top: 12, right: 16, bottom: 32, left: 52 };
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const MIN_LABEL_SPACING = 48; // px between x-axis labels

/** Each finished trial's total score (dots) and the best score so far (a step line). */
export function ScoreChart({ trials }: { trials: TrialSummary[] }) {
  const [figureRef, width] = useElementWidth<HTMLElement>(640);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const points = scorePoints(trials);
  const [low, high] = scoreDomain(points);
  const first = points[0]?.trial ?? 0;
  const last = points.at(-1)?.trial ?? 0;

  const x = (trial: number) =>
    MARGIN.left + (last > first ? ((trial - first) / (last - first)) * plotWidth : plotWidth / 2);
  const y = (score: number) => MARGIN.top + (1 - (score - low) / (high - low)) * PLOT_H;

  // Steps: the best line stays flat until a trial beats it.
  const bestPath = points
    .map((p, i) =>
      i === 0 ? `M${x(p.trial)},${y(p.bestSoFar)}` : `H${x(p.trial)}V${y(p.bestSoFar)}`,
    )
    .join("");
  const maxLabels = Math.max(2, Math.floor(plotWidth / MIN_LABEL_SPACING));
  const labelEvery = Math.max(1, Math.ceil(points.length / maxLabels));
  const best = points.at(-1)?.bestSoFar;

  return (
    <figure className="score-chart" ref={figureRef}>
      <svg
        width={width}
        height={HEIGHT}
        viewBox={`0 0 ${width} ${HEIGHT}`}
        role="img"
        aria-label={
          points.length
            ? `Total score of ${points.length} finished trials; best so far ${best?.toFixed(4)}`
            : "No finished trials yet"
        }
        data-testid="score-chart"
      >
        {ticks(low, high, 5).map((value) => (
          <g key={value} className="chart-grid">
            <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(value)} y2={y(value)} />
            <text x={MARGIN.left - 8} y={y(value)} textAnchor="end" dominantBaseline="middle">
              {value.toFixed(3)}
            </text>
          </g>
        ))}
        {points.map((p, i) =>
          i % labelEvery === 0 ? (
            <text
              key={p.trial}
              className="chart-axis"
              x={x(p.trial)}
              y={HEIGHT - 10}
              textAnchor="middle"
            >
              {p.trial}
            </text>
          ) : null,
        )}
        {points.length === 0 && (
          <text className="chart-empty" x={width / 2} y={HEIGHT / 2} textAnchor="middle">
            No finished trials yet
          </text>
        )}
        <path className="chart-best" d={bestPath} />
        {points.map((p) => (
          <circle key={p.trial} className="chart-point" cx={x(p.trial)} cy={y(p.score)} r={4}>
            <title>{`Trial ${p.trial}: ${p.score.toFixed(4)}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption className="chart-legend">
        <span className="legend-point">trial score</span>
        <span className="legend-best">best so far</span>
        <span className="chart-axis-name">x: trial number</span>
      </figcaption>
    </figure>
  );
}
