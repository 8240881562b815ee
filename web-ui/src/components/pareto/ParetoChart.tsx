"use client";

import type { KeyboardEvent } from "react";

import type { ParetoPoint } from "@/lib/api/types";
import { formatScore } from "@/lib/format";
import { ticks } from "@/lib/scoreSeries";
import { useElementWidth } from "@/lib/useElementWidth";

import { frontStaircase, paddedDomain } from "./paretoGeometry";
import styles from "./pareto.module.css";

// Hand-drawn SVG, like ScoreChart and HealthRadar: a scatter, a staircase and a ring are a few
// dozen lines, and package.json has no chart library; one would add a dependency (and its
// lockfile churn) for one chart, and Optuna's plotly figure would need plotly.js in the page.
const HEIGHT = 300;
const MARGIN = { top: 14, right: 16, bottom: 44, left: 52 };
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const RADIUS = 7; // large enough to tap on a phone

/** Every completed trial at (val accuracy, health), the front as a staircase, the chosen
 * member ringed; each point is a button that selects its trial. */
export function ParetoChart({
  points,
  selected,
  onSelect,
}: {
  points: readonly ParetoPoint[];
  selected: number | null;
  onSelect: (trial: number) => void;
}) {
  const [figureRef, width] = useElementWidth<HTMLElement>(640);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const [xLow, xHigh] = paddedDomain(points.map((p) => p.val_accuracy));
  const [yLow, yHigh] = paddedDomain(points.map((p) => p.health));
  const x = (value: number) => MARGIN.left + ((value - xLow) / (xHigh - xLow)) * plotWidth;
  const y = (value: number) => MARGIN.top + (1 - (value - yLow) / (yHigh - yLow)) * PLOT_H;
  const staircase = frontStaircase(points, [xLow, yLow])
    .map(([a, h], i) => `${i === 0 ? "M" : "L"}${x(a)},${y(h)}`)
    .join("");
  const xTicks = ticks(xLow, xHigh, plotWidth < 300 ? 3 : 5);
  const frontSize = points.filter((p) => p.on_front).length;
  // Dominated points first, so front members and the chosen one are drawn on top.
  const drawOrder = [...points].sort(
    (a, b) => Number(a.on_front) - Number(b.on_front) || Number(a.chosen) - Number(b.chosen),
  );

  function onKey(event: KeyboardEvent, trial: number) {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onSelect(trial);
    }
  }

  return (
    <figure className={styles.chart} ref={figureRef}>
      <svg
        width={width}
        height={HEIGHT}
        viewBox={`0 0 ${width} ${HEIGHT}`}
        data-testid="pareto-chart"
        aria-label={`${points.length} trials by val accuracy and health; ${frontSize} on the front`}
      >
        {ticks(yLow, yHigh, 5).map((value) => (
          <g key={`y${value}`} className="chart-grid">
            <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(value)} y2={y(value)} />
            <text x={MARGIN.left - 8} y={y(value)} textAnchor="end" dominantBaseline="middle">
              {value.toFixed(2)}
            </text>
          </g>
        ))}
        {xTicks.map((value) => (
          <text
            key={`x${value}`}
            className="chart-axis"
            x={x(value)}
            y={HEIGHT - 26}
            textAnchor="middle"
          >
            {value.toFixed(3)}
          </text>
        ))}
        <text
          className="chart-axis"
          x={MARGIN.left + plotWidth / 2}
          y={HEIGHT - 6}
          textAnchor="middle"
        >
          val accuracy →
        </text>
        <text
          className="chart-axis"
          transform={`translate(12 ${MARGIN.top + PLOT_H / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          health →
        </text>
        {points.length === 0 && (
          <text className="chart-empty" x={width / 2} y={HEIGHT / 2} textAnchor="middle">
            No completed trials yet
          </text>
        )}
        <path className={styles.frontLine} d={staircase} data-testid="pareto-front-line" />
        {drawOrder.map((p) => {
          const label =
            `Trial ${p.trial}: val accuracy ${formatScore(p.val_accuracy)}, ` +
            `health ${formatScore(p.health)}` +
            (p.chosen ? ", chosen" : p.on_front ? ", on the front" : "");
          const kind = p.chosen ? styles.chosen : p.on_front ? styles.front : styles.dominated;
          return (
            <g
              key={p.trial}
              role="button"
              tabIndex={0}
              aria-label={label}
              aria-pressed={selected === p.trial}
              className={`${styles.point} ${kind}`}
              data-testid="pareto-point"
              data-trial={p.trial}
              data-front={p.on_front}
              data-chosen={p.chosen}
              onClick={() => onSelect(p.trial)}
              onKeyDown={(event) => onKey(event, p.trial)}
            >
              <title>{label}</title>
              {selected === p.trial && (
                <circle
                  className={styles.selectedRing}
                  cx={x(p.val_accuracy)}
                  cy={y(p.health)}
                  r={RADIUS + 5}
                />
              )}
              {p.chosen && (
                <circle
                  className={styles.chosenRing}
                  cx={x(p.val_accuracy)}
                  cy={y(p.health)}
                  r={RADIUS + 2.5}
                />
              )}
              <circle cx={x(p.val_accuracy)} cy={y(p.health)} r={RADIUS} />
            </g>
          );
        })}
      </svg>
      <figcaption className="chart-legend">
        <span className={styles.legendDominated}>dominated trial</span>
        <span className={styles.legendFront}>front member</span>
        <span className={styles.legendChosen}>chosen (optimized_model/)</span>
        <span className={styles.legendLine}>Pareto front</span>
      </figcaption>
    </figure>
  );
}
