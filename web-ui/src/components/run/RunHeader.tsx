import Link from "next/link";

import { CancelButton } from "@/components/common/CancelButton";
import { apiData } from "@/lib/api/client";
import type { JobStatus } from "@/lib/api/types";
import type { ConnectionMode as Mode } from "@/lib/useJobProgress";

import { ConnectionMode } from "./ConnectionMode";
import { JobStatusBadge } from "./JobStatusBadge";

interface RunHeaderProps {
  status: JobStatus;
  mode: Mode;
  hasBest: boolean;
  onStatus: (status: JobStatus) => void;
}

/** The run's name and state, with what the user can do next: cancel it, or see its best model. */
export function RunHeader({ status, mode, hasBest, onStatus }: RunHeaderProps) {
  const active = status.status === "pending" || status.status === "running";
  return (
    <header className="run-header">
      <div className="run-title">
        <h1>{status.run_name}</h1>
        <p className="run-meta">
          <JobStatusBadge status={status.status} testId="job-status" />
          <span>
            {status.dataset_name} · {status.mode.replace("_", "-")}
          </span>
          <ConnectionMode mode={mode} />
        </p>
      </div>
      <div className="run-actions">
        {hasBest && (
          <Link
            className="button button-primary"
            href={`/best?job=${encodeURIComponent(status.job_id)}`}
            data-testid="best-model-link"
          >
            Best model
          </Link>
        )}
        {status.mode === "pareto" && (
          <Link
            className="button"
            href={`/pareto?job=${encodeURIComponent(status.job_id)}`}
            data-testid="pareto-link"
          >
            Pareto front
          </Link>
        )}
        {active && (
          <CancelButton
            label="Cancel run"
            testId="cancel-button"
            cancel={() =>
              apiData((client) =>
                client.POST("/jobs/{job_id}/cancel", {
                  params: { path: { job_id: status.job_id } },
                }),
              )
            }
            onCancelled={onStatus}
          />
        )}
      </div>
    </header>
  );
}
