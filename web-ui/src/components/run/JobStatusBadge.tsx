import type { JobStatusName } from "@/lib/api/types";

/** A job's status as a coloured pill; the status name stays in the text for screen readers. */
export function JobStatusBadge({ status, testId }: { status: JobStatusName; testId?: string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status} data-testid={testId}>
      {status}
    </span>
  );
}
