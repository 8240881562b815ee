"use client";

import { useMemo } from "react";

import { PlotlyFigure } from "@/components/common/PlotlyFigure";
import { learningCurveFigure } from "@/lib/runs";

/** A trial's learning curves (its Keras history), one line per metric, drawn with plotly. */
export function LearningCurves({
  curves,
  trial,
}: {
  curves: Record<string, (number | null)[]>;
  trial: number;
}) {
  // PlotlyFigure redraws when its figure object changes: build it once per history.
  const curvesJson = JSON.stringify(curves);
  const figure = useMemo(() => learningCurveFigure(JSON.parse(curvesJson)), [curvesJson]);
  return (
    <section className="card" aria-labelledby="learning-curves-title">
      <h2 id="learning-curves-title">Learning curves</h2>
      <PlotlyFigure
        figure={figure}
        title={`Learning curves of trial ${trial}`}
        note={figure ? null : "The trial recorded no epoch (no history.json)."}
        testId="learning-curves"
      />
    </section>
  );
}
