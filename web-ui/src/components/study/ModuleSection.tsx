"use client";

import { usePlotObjectUrl } from "@/components/best/usePlotObjectUrl";
import type { StudyFigure, StudyModule, StudyTable } from "@/lib/api/types";
import { formatCell } from "@/lib/studyFormat";

import styles from "./study.module.css";

/** One analysis module: its findings, why it could not run if so, its tables and figures. */
export function ModuleSection({ studyId, module }: { studyId: string; module: StudyModule }) {
  const titleId = `module-${module.name}-title`;
  return (
    <section
      className="card"
      aria-labelledby={titleId}
      data-testid={`module-${module.name}`}
      data-available={module.available}
    >
      <h2 id={titleId}>
        {module.title}
        {!module.available && <span className="badge badge-pending">not available</span>}
      </h2>
      {!module.available && module.reason && (
        <p className={styles.unavailable} data-testid="module-reason">
          {module.reason}
        </p>
      )}
      {/* An unavailable module's summary only repeats its reason. */}
      {module.available && module.summary.length > 0 && (
        <ul className={styles.bullets}>
          {module.summary.map((sentence, i) => (
            <li key={i}>{sentence}</li>
          ))}
        </ul>
      )}
      {module.tables.map((table, i) => (
        <ResultTable key={`${table.title}-${i}`} table={table} />
      ))}
      {module.figures.length > 0 && (
        <div className={styles.figures}>
          {module.figures.map((figure) => (
            <ResultFigure key={figure.path} studyId={studyId} figure={figure} />
          ))}
        </div>
      )}
    </section>
  );
}

export function ResultTable({ table }: { table: StudyTable }) {
  return (
    <div className={styles.tableScroll}>
      <table className={styles.table} data-testid="module-table">
        <caption>{table.title}</caption>
        <thead>
          <tr>
            {table.columns.map((column, i) => (
              <th key={i} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, r) => (
            <tr key={r}>
              {row.map((cell, c) => (
                <td key={c} className={typeof cell === "string" ? undefined : styles.number}>
                  {formatCell(cell)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {table.note && <p className="hint">{table.note}</p>}
    </div>
  );
}

/** The API path of a module's figure: the figures route takes the file name alone. */
export function figurePath(studyId: string, figure: Pick<StudyFigure, "path">): string {
  const name = figure.path.split("/").pop() ?? figure.path;
  return `/comparison-study/${encodeURIComponent(studyId)}/figures/${encodeURIComponent(name)}`;
}

function ResultFigure({ studyId, figure }: { studyId: string; figure: StudyFigure }) {
  // Fetched with the token: an <img src> could not send it.
  const { url, error } = usePlotObjectUrl(figurePath(studyId, figure));
  return (
    <figure className={styles.figure}>
      {url ? (
        <a href={url} target="_blank" rel="noopener" title="Open full size">
          <img src={url} alt={figure.caption} data-testid="study-figure" />
        </a>
      ) : (
        <div className={styles.figurePlaceholder} role={error ? "alert" : "status"}>
          {error ?? "Loading…"}
        </div>
      )}
      <figcaption>{figure.caption}</figcaption>
    </figure>
  );
}
