import {
  byPriority,
  evidenceLine,
  type Recommendation,
  type RecommendationReport,
  topicLabel,
} from "@/lib/views";

import styles from "./views.module.css";

/** What the run's trials suggest changing, most urgent first, each with its test; then the
 * topics where the trials were too few to say. */
export function Recommendations({ report }: { report: RecommendationReport }) {
  const recommendations = byPriority(report.recommendations);
  return (
    <>
      {recommendations.length === 0 ? (
        <p className={styles.muted}>
          No recommendation: nothing in these trials clears its test.
        </p>
      ) : (
        <ul className={styles.recommendations} aria-label="Recommendations">
          {recommendations.map((r) => (
            <RecommendationItem key={`${r.topic}:${r.title}`} recommendation={r} />
          ))}
        </ul>
      )}
      {report.notes.length > 0 && (
        <ul className={styles.notes} aria-label="Notes on the recommendations">
          {report.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {report.insufficient.length > 0 && (
        <>
          <h3 className={styles.subheading}>Not enough data</h3>
          <ul className={styles.insufficient} aria-label="Not enough data">
            {report.insufficient.map((item) => (
              <li key={item.topic}>
                <strong>{topicLabel(item.topic)}</strong>: {item.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function RecommendationItem({ recommendation: r }: { recommendation: Recommendation }) {
  return (
    <li className={styles.recommendation} aria-label={r.title} data-topic={r.topic}>
      <div className={styles.recommendationHead}>
        <h3>{r.title}</h3>
        <span className={`badge ${styles[`level-${r.priority}`]}`}>{r.priority} priority</span>
        <span className={`badge ${styles[`level-${r.confidence}`]}`}>
          {r.confidence} confidence
        </span>
      </div>
      <p className={styles.change}>
        <span className={styles.muted}>{topicLabel(r.topic)}:</span>{" "}
        {r.current ? (
          <>
            <code>{r.current}</code> →{" "}
          </>
        ) : null}
        <code>{r.suggested}</code>
      </p>
      {r.rationale && <p>{r.rationale}</p>}
      <p className={styles.evidence} data-testid="recommendation-evidence">
        Evidence: {evidenceLine(r.evidence)}
      </p>
    </li>
  );
}
