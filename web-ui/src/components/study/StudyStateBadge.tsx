import type { StudyStatus } from "@/lib/api/types";

const PHASE_LABELS: Record<string, string> = {
  building: "building models",
  built: "models built",
  analyzing: "analysing",
  analyzed: "analysed",
};

/** A study's phase and state as one pill, e.g. "building models · running". */
export function StudyStateBadge({
  status,
  testId,
}: {
  status: Pick<StudyStatus, "phase" | "state">;
  testId?: string;
}) {
  // Badge colours follow the state, as the jobs' badges do (completed green, failed red...).
  return (
    <span
      className={`badge badge-${status.state}`}
      data-phase={status.phase}
      data-state={status.state}
      data-testid={testId}
    >
      {PHASE_LABELS[status.phase] ?? status.phase} · {status.state}
    </span>
  );
}
