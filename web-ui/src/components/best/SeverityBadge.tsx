import type { DiagnosticIssue } from "@/lib/api/types";

import styles from "./best.module.css";

/** An issue's severity as a coloured pill; the word itself carries the meaning, not the colour. */
export function SeverityBadge({ severity }: { severity: DiagnosticIssue["severity"] }) {
  return <span className={`${styles.badge} ${styles[`badge-${severity}`]}`}>{severity}</span>;
}
