import { PlotlyFigure } from "@/components/common/PlotlyFigure";
import { type FigureSpec, orderedFigures, type RunViews } from "@/lib/views";

import { ImpactFindings } from "./ImpactFindings";
import styles from "./views.module.css";

// Importance for accuracy and for health read best side by side; the others need the width.
const PAIRED = new Set(["importance_accuracy", "importance_health"]);

/** The run's figures in reading order, each with its note; the impact heatmap with its
 * strongest findings in words, and the run-wide notes (what could not be drawn and why). */
export function RunFigures({ views }: { views: RunViews }) {
  const figures = orderedFigures(views.figures);
  const paired = figures.filter((f) => PAIRED.has(f.name));
  return (
    <section className="card" aria-labelledby="figures-title">
      <h2 id="figures-title">The run as a whole</h2>
      <p className={styles.muted}>
        Built from {views.trials_used} trial{views.trials_used === 1 ? "" : "s"}.
      </p>
      {views.notes.length > 0 && (
        <ul className={styles.notes} aria-label="Notes on the figures">
          {views.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      <div className={styles.figures}>
        {figures.map((spec) => {
          if (PAIRED.has(spec.name)) {
            // The pair renders once, where its first member falls.
            if (spec !== paired[0]) return null;
            return (
              <div key="importance" className={styles.pair}>
                {paired.map((member) => (
                  <Figure key={member.name} spec={member} />
                ))}
              </div>
            );
          }
          return (
            <div key={spec.name}>
              <Figure spec={spec} />
              {spec.name === "impact_heatmap" && views.heatmap && (
                <ImpactFindings heatmap={views.heatmap} figureNote={spec.note} />
              )}
            </div>
          );
        })}
      </div>
    </section>
  );
}

function Figure({ spec }: { spec: FigureSpec }) {
  return (
    <PlotlyFigure
      figure={spec.figure}
      title={spec.title}
      note={spec.note}
      testId={`figure-${spec.name}`}
    />
  );
}
