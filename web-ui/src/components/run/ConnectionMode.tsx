import type { ConnectionMode as Mode } from "@/lib/useJobProgress";

const LABELS: Record<Mode, string> = {
  connecting: "connecting…",
  websocket: "live (WebSocket)",
  polling: "polling every second",
};

/** How the page hears about the job: a live socket, or polling when the socket is unavailable. */
export function ConnectionMode({ mode }: { mode: Mode }) {
  return (
    <span
      className={`connection connection-${mode}`}
      data-testid="connection-mode"
      data-mode={mode}
    >
      {LABELS[mode]}
    </span>
  );
}
