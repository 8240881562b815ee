import styles from "./termValue.module.css";

/** One row of a definition list: a term and its value side by side (metrics, layer details,
 * an opened trial's figures). Use inside a `<dl>`. */
export function TermValue({ term, value }: { term: string; value: string }) {
  return (
    <div className={styles.row}>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}
